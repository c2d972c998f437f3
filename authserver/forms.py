"""The sign-in page's two forms: the same checks as the sign-in widget's callbacks."""

from __future__ import annotations

from django import forms


class SignInForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        error_messages={"required": "Enter your email address.", "invalid": "Enter a valid email address."},
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True, "spellcheck": "false"}),
    )
    password = forms.CharField(
        max_length=128,
        strip=False,
        error_messages={"required": "Enter your password."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\d{6}$",
        error_messages={"required": "Enter the 6-digit code.", "invalid": "The code is 6 digits."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\d{6}",
                "maxlength": "6",
                "autofocus": True,
            }
        ),
    )
