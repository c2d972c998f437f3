# The shop core is tested with the sign-in app's shoppers and settings: Lauren pays with the Visa
# •••• 4242 on file, Marcus has no card.
from auth_mcp.tests.conftest import empty_cache, fast_passwords, lauren_shopper, marcus_shopper

__all__ = ["empty_cache", "fast_passwords", "lauren_shopper", "marcus_shopper"]
