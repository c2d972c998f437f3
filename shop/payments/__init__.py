"""Payments for every way the shop takes money: `money` (Decimal amounts and their one rounding),
`processor` (the simulated card processor) and `idempotency` (the one idempotent charge).
"""
