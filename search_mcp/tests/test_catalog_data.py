"""The catalog's data: the build_catalog command, and the migration that loads a frozen copy of it."""

from __future__ import annotations

import hashlib
import importlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from search_mcp.management.commands.build_catalog import OUTPUT
from search_mcp.models import Product

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
LOAD_CATALOG = importlib.import_module("search_mcp.migrations.0002_load_catalog")
# The digest of what 0002_load_catalog loads. It must never change: databases migrated before and after
# a change would hold different catalogs. A new catalog is a new migration with its own copy.
LOAD_CATALOG_SNAPSHOT_SHA256 = "b96984aaf9dfd7cbc7590041af6f90c324a28ebd961012c2819a4c9685d3a243"


def test_build_catalog_writes_the_committed_catalog_byte_for_byte(tmp_path: Path) -> None:
    written = tmp_path / "products.json"

    call_command("build_catalog", "--output", str(written))

    assert written.read_bytes() == OUTPUT.read_bytes()


def test_build_catalog_check_passes_for_the_committed_catalog_and_fails_for_a_stale_one(tmp_path: Path) -> None:
    call_command("build_catalog", "--check")

    stale = tmp_path / "products.json"
    stale.write_text(OUTPUT.read_text(encoding="utf-8").replace("159.95", "149.95", 1), encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("build_catalog", "--check", "--output", str(stale))


def test_a_product_line_with_a_bad_price_is_refused_naming_where_it_is(tmp_path: Path) -> None:
    lines = tmp_path / "lines.toml"
    lines.write_text(
        '[[departments]]\nname = "Toys"\n\n[[departments.lines]]\nbrand = "B"\ntitle = "T"\nprice = "12.5"\n'
        'features = ["f"]\ntags = ["t"]\ninterests = ["i"]\n',
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match=r"departments\.0\.lines\.0\.price"):
        call_command("build_catalog", "--lines", str(lines), "--output", str(tmp_path / "out.json"))
    assert not (tmp_path / "out.json").exists()


def test_the_catalog_migration_loads_a_frozen_copy_that_never_changes() -> None:
    snapshot: Path = LOAD_CATALOG.SNAPSHOT

    assert snapshot.parent == MIGRATIONS, "it must not read the catalog build's output"
    assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == LOAD_CATALOG_SNAPSHOT_SHA256, (
        f"{snapshot.name} changed: leave it as it is and load a new catalog in a new migration"
    )


@pytest.mark.django_db
def test_the_migrated_catalog_is_the_committed_catalog() -> None:
    committed = {
        item["id"]: (item["title"], Decimal(item["price"])) for item in json.loads(OUTPUT.read_text(encoding="utf-8"))
    }

    migrated = {tcin: (title, price) for tcin, title, price in Product.objects.values_list("tcin", "title", "price")}

    assert migrated == committed, "products.json changed: load it in a new data migration (see 0002_load_catalog)"
