"""Long silence, overtalk (only with times), transfer ping-pong, unresolved complaint."""
from __future__ import annotations

import pytest

from callqa.analytics.base import AnalysisContext
from callqa.analytics.flags import FlagOptions, FlagsAnalyzer
from callqa.analytics.rules import default_rule_analyzers
from callqa.conversation import CallMeta, Conversation, Utterance
from callqa.settings import load_settings
from callqa.tenants import load_tenant


def conv(turns) -> Conversation:
    utts = [Utterance(role=t[0], text=t[1], start=t[2] if len(t) > 2 else None,
                      end=t[3] if len(t) > 3 else None) for t in turns]
    return Conversation(meta=CallMeta(call_id="c", tenant="retail-hotline"), utterances=utts)


def ctx(call_type: str = "order_support", **options) -> AnalysisContext:
    return AnalysisContext(tenant=load_tenant("retail-hotline"), labels={"call_type": call_type},
                           options=options)


TIMED = [("operator", "Горячая линия, здравствуйте.", 0.0, 2.0),
         ("customer", "Здравствуйте, у меня вопрос по заказу.", 2.5, 5.0),
         ("operator", "Минутку, проверю.", 5.5, 7.0),
         ("operator", "Спасибо за ожидание, заказ в пути.", 19.0, 22.0),
         ("customer", "А когда привезут? Уже неделю жду!", 20.0, 24.5)]


def test_long_silence_and_overtalk_with_times() -> None:
    an = FlagsAnalyzer(settings=load_settings(long_silence_s=10.0, overtalk_s=1.5))
    out = an.analyze(conv(TIMED), ctx())
    sil = [f for f in out.findings if f.code == "long_silence"]
    ovl = [f for f in out.findings if f.code == "overtalk"]
    assert len(sil) == 1 and sil[0].utterance_index == 3 and sil[0].start_s == 7.0
    assert sil[0].details["seconds"] == 12.0
    assert len(ovl) == 1 and ovl[0].utterance_index == 4 and ovl[0].details["seconds"] == 2.0
    assert all(f.source == "rules.flags@1" for f in out.findings)


def test_thresholds_are_configurable() -> None:
    strict = FlagsAnalyzer(options=FlagOptions(long_silence_s=20.0, overtalk_s=5.0))
    assert strict.analyze(conv(TIMED), ctx()).findings == []
    # context.options beat settings
    an = FlagsAnalyzer(settings=load_settings(long_silence_s=100.0, overtalk_s=100.0))
    out = an.analyze(conv(TIMED), ctx(long_silence_s=5.0))
    assert [f.code for f in out.findings] == ["long_silence"]


def test_no_times_no_time_flags() -> None:
    untimed = [(r, t) for r, t, *_ in TIMED]
    out = FlagsAnalyzer().analyze(conv(untimed), ctx())
    assert not [f for f in out.findings if f.code in ("long_silence", "overtalk")]


@pytest.mark.parametrize("turns,expected", [
    ([("customer", "Меня уже третий раз переключают, то к вам, то в магазин!"),
      ("operator", "Это вам в службу доставки, переключаю.")], True),
    ([("operator", "Соединяю с отделом качества."), ("customer", "Алло, меня опять перевели?"),
      ("operator", "Это не к нам, переключаю на логистов.")], True),
    ([("operator", "Соединяю с отделом гарантии."), ("customer", "Спасибо.")], False),
    ([("operator", "Чем помочь?"), ("customer", "Где мой заказ?")], False),
])
def test_transfer_pingpong(turns, expected: bool) -> None:
    out = FlagsAnalyzer().analyze(conv(turns), ctx())
    assert out.labels["transfer_pingpong"] is expected
    assert any(f.code == "transfer_pingpong" for f in out.findings) is expected


def test_unresolved_complaint_uses_call_type_and_next_step() -> None:
    resolved = [("customer", "Привезли разбитый телевизор!"),
                ("operator", "Оформляю претензию, курьер заберёт телевизор завтра до обеда, "
                             "замену привезём в пятницу.")]
    unresolved = [("customer", "Привезли разбитый телевизор!"),
                  ("operator", "Ничем не могу помочь, обращайтесь в магазин.")]
    an = FlagsAnalyzer()
    assert an.analyze(conv(resolved), ctx("complaint")).labels["unresolved_complaint"] is False
    out = an.analyze(conv(unresolved), ctx("complaint"))
    assert out.labels["unresolved_complaint"] is True
    assert out.findings[-1].code == "unresolved_complaint"
    # not a complaint call: never flagged
    assert an.analyze(conv(unresolved), ctx("order_support")).labels["unresolved_complaint"] \
        is False
    # the script's verdict, when already decided, is used
    c = ctx("complaint")
    c.labels["script"] = {"summary_next_step": False}
    assert an.analyze(conv(resolved), c).labels["unresolved_complaint"] is True
    # a next step that deflects ("обращайтесь в магазин") or a rude operator does not resolve
    c = ctx("complaint")
    c.labels["script"] = {"summary_next_step": True}
    assert an.analyze(conv(unresolved), c).labels["unresolved_complaint"] is True
    c = ctx("complaint")
    c.labels.update(script={"summary_next_step": True}, rude_operator=True)
    assert an.analyze(conv(resolved), c).labels["unresolved_complaint"] is True


AWKWARD = {
    "empty": [],
    "one_speaker": [("operator", "Алло? Алло, вас не слышно.")],
    "no_times_lower_asr": [("operator", "винпартс здравствуйте меня зовут ирина"),
                           ("customer", "больше не звоните мне удалите номер")],
    "yo": [("customer", "Ещё раз: больше не звоните! Всё.")],
    "unknown_role": [("unknown", "не звоните больше")],
    "long": [("operator", "Скажите, пожалуйста, номер заказа?"), ("customer", "Минутку.")] * 400,
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_every_rule_analyzer_survives_awkward_calls(name: str) -> None:
    c = conv(AWKWARD[name])
    cx = ctx("sales_offer")
    labels: dict = {}
    for an in default_rule_analyzers():
        out = an.analyze(c, cx)
        labels.update(out.labels)
        cx.labels.update(out.labels)
        for f in out.findings:
            assert f.code and f.severity in ("info", "minor", "major", "critical")
            assert "@" in f.source
            assert f.utterance_index is None or 0 <= f.utterance_index < len(c.utterances)
    for key in ("dnc_request", "dnc_request_utterance", "dnc_ignored_in_call",
                "pushy_after_refusal", "rude_operator", "script", "script_adherence",
                "transfer_pingpong", "unresolved_complaint"):
        assert key in labels
    if name == "no_times_lower_asr":
        assert labels["dnc_request"] is True and labels["dnc_request_utterance"] == 1
    if name == "yo":
        assert labels["dnc_request"] is True
