"""The demo shopper every presentation signs in as: Lauren Bailey, password `circle360-demo`."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import migrations

EMAIL = "lauren@example.com"
PASSWORD = "circle360-demo"  # Published in the README: this is a demo account, not a secret.


def _order(number: str, placed_on: str, items: list[dict[str, object]]) -> dict[str, object]:
    total = sum(Decimal(str(item["price"])) * int(str(item["quantity"])) for item in items)
    return {"order_number": number, "placed_on": placed_on, "items": items, "total": f"{total:.2f}"}


PROFILE = {
    "name": "Lauren Bailey",
    "phone": "+1 612-555-0142",
    "address_line1": "742 Lyndale Ave S",
    "address_line2": "Apt 3",
    "city": "Minneapolis",
    "state": "MN",
    "postal_code": "55403",
    "country": "US",
    "card_brand": "Visa",
    "card_last4": "4242",
    "card_exp_month": 12,
    "card_exp_year": 2028,
    "interests": ["running", "sleep tracking", "healthy cooking", "marathon training", "home fitness"],
    # Ids and titles of products that search_mcp's 0002_load_catalog loads, so recommendations can match them.
    "owned_products": [
        {
            "tcin": "67814746",
            "title": "Fitbit Charge 5 Fitness Tracker - Black/Graphite",
            "category": "Fitness Trackers & Smartwatches",
        },
        {
            "tcin": "69165375",
            "title": "Nike Women's Revolution 7 Running Shoes - Black/White 8",
            "category": "Running Shoes & Activewear",
        },
        {
            "tcin": "51314143",
            "title": "Instant Pot Duo 7-in-1 Electric Pressure Cooker 6qt",
            "category": "Kitchen & Dining",
        },
        {
            "tcin": "75487917",
            "title": "heyday Apple iPhone 15 Silicone Case with MagSafe - Obsidian Black",
            "category": "Cell Phone Accessories",
        },
        {
            "tcin": "76911718",
            "title": "Hatch Restore 2 Sunrise Alarm Clock & Sound Machine - Ivory",
            "category": "Bedding & Bath",
        },
    ],
    "purchase_history": [
        _order(
            "TGT-7Q2K9M4XD",
            "2025-09-14",
            [
                {
                    "tcin": "69165375",
                    "title": "Nike Women's Revolution 7 Running Shoes - Black/White 8",
                    "price": "70.00",
                    "quantity": 1,
                },
                {
                    "tcin": "70350278",
                    "title": "Adult Running Ankle Socks 6pk - All in Motion - Black 6-12",
                    "price": "12.00",
                    "quantity": 1,
                },
                {
                    "tcin": "99319879",
                    "title": "Owala FreeSip 24oz Stainless Steel Water Bottle - Very, Very Dark",
                    "price": "27.99",
                    "quantity": 1,
                },
            ],
        ),
        _order(
            "TGT-3HX8P1LZA",
            "2025-10-30",
            [
                {
                    "tcin": "75487917",
                    "title": "heyday Apple iPhone 15 Silicone Case with MagSafe - Obsidian Black",
                    "price": "19.99",
                    "quantity": 1,
                },
                {
                    "tcin": "60447593",
                    "title": "Fitbit Charge 6 Infinity Band - Obsidian, Large",
                    "price": "29.95",
                    "quantity": 1,
                },
            ],
        ),
        _order(
            "TGT-5RT2W8KQB",
            "2025-11-18",
            [
                {
                    "tcin": "76911718",
                    "title": "Hatch Restore 2 Sunrise Alarm Clock & Sound Machine - Ivory",
                    "price": "169.99",
                    "quantity": 1,
                },
            ],
        ),
        _order(
            "TGT-9B4N6W2RC",
            "2025-12-02",
            [
                {
                    "tcin": "51314143",
                    "title": "Instant Pot Duo 7-in-1 Electric Pressure Cooker 6qt",
                    "price": "99.99",
                    "quantity": 1,
                },
                {
                    "tcin": "71508298",
                    "title": "Organic Extra Virgin Olive Oil - 16.9 fl oz - Good & Gather",
                    "price": "9.99",
                    "quantity": 2,
                },
            ],
        ),
    ],
}


def create_lauren(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Shopper = apps.get_model("auth_mcp", "Shopper")
    if Shopper.objects.filter(email__iexact=EMAIL).exists():
        return
    user, _ = User.objects.get_or_create(
        username=EMAIL,
        defaults={"email": EMAIL, "first_name": "Lauren", "last_name": "Bailey", "password": make_password(PASSWORD)},
    )
    Shopper.objects.create(user=user, email=EMAIL, **PROFILE)


def remove_lauren(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    User.objects.filter(username=EMAIL).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth_mcp", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(create_lauren, remove_lauren)]
