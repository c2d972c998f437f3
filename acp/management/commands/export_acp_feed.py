"""Write the catalog as an ACP product feed for file ingestion: DIR/metadata.json and DIR/products.jsonl."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from acp import feed


class Command(BaseCommand):
    help = "Export the catalog as an ACP product feed (metadata.json and products.jsonl) into DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Where to write the two files (created if missing).")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "metadata.json").write_text(json.dumps(feed.metadata(), indent=2) + "\n")
        count = 0
        with (directory / "products.jsonl").open("w") as lines:
            for product in feed.products():
                lines.write(json.dumps(product, ensure_ascii=False, separators=(",", ":")) + "\n")
                count += 1
        self.stdout.write(f"wrote {count} products to {directory / 'products.jsonl'}")
