"""Google Chat incoming webhooks: a cardsV2 card, with ``fallbackText`` for notifications.

Shape: https://developers.google.com/workspace/chat/api/reference/rest/v1/cards (header,
sections of decoratedText / textParagraph / buttonList widgets). A message is at most
32,000 bytes and a card at most 100 widgets; card text takes a little HTML (``<b>``,
``<font color>``, ``<br>``), so ``<``, ``>`` and ``&`` from the event are escaped. Card
text has no monospace: a cause or a diff keeps its lines (``<br>``) and its indentation
(no-break spaces), and gets the bytes left after everything else.
"""

from __future__ import annotations

import html
import json
from typing import Any

from ecsdrop.notify.message import Announcement
from ecsdrop.notify.text import bulleted, fit, fit_lines, json_bytes, preserve_spaces

TITLE_LIMIT = 200
FACT_LIMIT = 500
LIST_LIMIT = 2000
ADVICE_LIMIT = 1000
FALLBACK_LIMIT = 500
# the whole body stays under this, below the 32,000 bytes Google Chat accepts
MESSAGE_BYTES = 30_000
CODE_BYTES = 16_000
NEWLINE = "<br>"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def google_chat_message(announcement: Announcement) -> dict[str, Any]:
    code = announcement.code
    if code is None:
        return _message(announcement, "")
    without_code = len(json.dumps(_message(announcement, ""), ensure_ascii=False).encode())
    room = min(CODE_BYTES, MESSAGE_BYTES - without_code)
    text = fit_lines(
        preserve_spaces(code.text), room, escape=escape, size=json_bytes, newline=NEWLINE
    )
    return _message(announcement, text)


def _message(announcement: Announcement, code_text: str) -> dict[str, Any]:
    sections = [_facts(announcement)]
    if announcement.code:
        # a placeholder while the room for the code is measured: a widget's text is never empty
        sections.append(_paragraph_section(announcement.code.heading, code_text or "…"))
    sections.extend(_lists(announcement))
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


def _lists(announcement: Announcement) -> list[dict[str, Any]]:
    sections = [
        _paragraph_section(
            found.heading, bulleted(found.items, LIST_LIMIT, escape=escape, newline=NEWLINE)
        )
        for found in announcement.lists
    ]
    if announcement.advice:
        advice = fit(announcement.advice, ADVICE_LIMIT, escape)
        sections.append(_paragraph_section("What to do", advice))
    return sections


def _paragraph_section(header: str, text: str) -> dict[str, Any]:
    return {"header": header, "widgets": [{"textParagraph": {"text": text}}]}


def _console_button(url: str) -> dict[str, Any]:
    button = {"text": "Open in Step Functions", "onClick": {"openLink": {"url": url}}}
    return {"widgets": [{"buttonList": {"buttons": [button]}}]}
