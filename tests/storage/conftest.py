from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from callqa.conversation import CallMeta, Conversation, Utterance, Word
from callqa.storage import Storage


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'callqa.db'}"


@pytest.fixture
def storage(db_url):
    st = Storage.open(db_url)
    yield st
    st.close()


def _make_conv(call_id: str = "c1", tenant: str = "vinparts", texts=None, **meta) -> Conversation:
    texts = texts or [
        ("operator", "Интернет-магазин Винпартс, здравствуйте, меня зовут Андрей."),
        ("customer", "Здравствуйте. Пожалуйста, больше мне не звоните!"),
        ("operator", "Хорошо, я вас понял, звонков больше не будет."),
    ]
    utts = []
    t = 0.0
    for role, text in texts:
        words = [Word(text=" " + w, start=t + i * 0.3, end=t + i * 0.3 + 0.25,
                      speaker="0" if role == "operator" else "1")
                 for i, w in enumerate(text.split())]
        utts.append(Utterance(role=role, text=text, start=t, end=t + 0.3 * len(words),
                              words=words, speaker="0" if role == "operator" else "1"))
        t += 0.3 * len(words) + 0.5
    m = CallMeta(call_id=call_id, tenant=tenant,
                 started_at=meta.pop("started_at",
                                     datetime(2026, 9, 3, 10, 12, tzinfo=timezone(timedelta(hours=3)))),
                 **meta)
    return Conversation(meta=m, utterances=utts, duration=t)


@pytest.fixture
def make_conv():
    """Factory for a small three-utterance conversation."""
    return _make_conv
