"""The committed event catalog is what the payload models generate."""

from pathlib import Path

from switchboard.common.events.catalog import render_markdown

CATALOG = Path(__file__).resolve().parents[4] / "docs" / "events.md"


def test_docs_events_md_is_generated_from_the_current_models() -> None:
    assert CATALOG.read_text(encoding="utf-8") == render_markdown(), (
        "docs/events.md is out of date: run `make catalog` and commit it"
    )


def test_catalog_lists_every_registered_event_type() -> None:
    from switchboard.common.events import registered_types

    text = render_markdown()
    for event_type in registered_types():
        assert f"### `{event_type}`" in text


def test_catalog_names_the_services_that_may_consume_an_event() -> None:
    text = render_markdown()
    section = text.split("### `sb.ingest.message.received.v1`", 1)[1].split("### ", 1)[0]
    assert "- may be consumed by: `profile`, `routing`, `campaign`, `qa`" in section
    assert "- subject: `sb.<tenant>.ingest.message.received`" in section
    assert "| `from_address` | string | yes |" in section
    assert "| `provider_message_id` | string or null | no |" in section
