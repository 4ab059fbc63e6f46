"""Google Chat incoming webhooks: a cardsV2 card, with ``fallbackText`` for notifications.

Shape: https://developers.google.com/workspace/chat/api/reference/rest/v1/cards (header,
sections of decoratedText / textParagraph / buttonList widgets). A message is at most
32,000 bytes and a card at most 100 widgets; card text takes a little HTML (``<b>``,
``<font color>``), so ``<``, ``>`` and ``&`` from the event are escaped.
"""

from __future__ import annotations

import html
from typing import Any

from ecsdrop.notify.message import Announcement
from ecsdrop.notify.text import bulleted, fit

TITLE_LIMIT = 200
FACT_LIMIT = 500
CAUSE_LIMIT = 2000
LIST_LIMIT = 2000
FALLBACK_LIMIT = 500


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def google_chat_message(announcement: Announcement) -> dict[str, Any]:
    sections = [_facts(announcement), *_failure_sections(announcement)]
    if announcement.console_url:
        sections.append(_console_button(announcement.console_url))
    card = {
        # header text is not formatted: it goes unescaped
        "header": {
            "title": fit(announcement.title, TITLE_LIMIT),
            "subtitle": fit(announcement.footer, TITLE_LIMIT),
        },
        "sections": sections,
    }
    return {
        "fallbackText": fit(announcement.summary, FALLBACK_LIMIT),
        "cardsV2": [{"cardId": "ecsdrop-deployment", "card": card}],
    }


def _facts(announcement: Announcement) -> dict[str, Any]:
    colour, state = announcement.style.colour, escape(announcement.state)
    widgets = [_decorated("State", f'<font color="{colour}"><b>{state}</b></font>')]
    widgets.extend(
        _decorated(fact.label, fit(fact.value, FACT_LIMIT, escape)) for fact in announcement.facts
    )
    return {"widgets": widgets}


def _decorated(label: str, text: str) -> dict[str, Any]:
    return {"decoratedText": {"topLabel": label, "text": text, "wrapText": True}}


def _failure_sections(announcement: Announcement) -> list[dict[str, Any]]:
    sections = []
    if announcement.cause:
        cause = fit(announcement.cause, CAUSE_LIMIT, escape).replace("\n", "<br>")
        sections.append(_paragraph_section("Cause", cause))
    for heading, items in (
        ("Rolled back", announcement.rolled_back),
        ("Left behind: clean up by hand", announcement.left_behind),
    ):
        if items:
            text = bulleted(items, LIST_LIMIT, escape=escape, newline="<br>")
            sections.append(_paragraph_section(heading, text))
    return sections


def _paragraph_section(header: str, text: str) -> dict[str, Any]:
    return {"header": header, "widgets": [{"textParagraph": {"text": text}}]}


def _console_button(url: str) -> dict[str, Any]:
    button = {"text": "Open in Step Functions", "onClick": {"openLink": {"url": url}}}
    return {"widgets": [{"buttonList": {"buttons": [button]}}]}
