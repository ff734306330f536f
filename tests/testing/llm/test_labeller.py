"""The labelling fake model of the evaluation bench."""

from __future__ import annotations

from tg_parser.llm.analysis_wire import ANALYSIS_SCHEMA
from tg_parser.testing.llm.labeller import Verdict, labelling_answer, text_key
from tg_parser.testing.llm.server import ModelCall

TEXTS = {f"Ferritin post number {n} about iron stores": "iron" for n in range(50)} | {
    f"TSH post number {n} about the thyroid gland": "thyroid" for n in range(50)
}


def call(text: str, schema: str = "message_analysis") -> ModelCall:
    return ModelCall("m", "", f"<message>\n{text}\n</message>", ANALYSIS_SCHEMA, schema)


def verdicts() -> dict[str, Verdict]:
    table = {text_key(text): Verdict(subject) for text, subject in TEXTS.items()}
    table[text_key("Buy now with code X")] = Verdict(None, ad=True)
    return table


def test_text_key_ignores_markup_case_and_escaping() -> None:
    assert text_key("**Ferritin**, &lt;b&gt; 30") == text_key("ferritin lt b gt 30")
    assert len(text_key("x" * 500)) == 80


def test_the_exact_labeller_answers_the_subject_as_the_first_topic() -> None:
    answer = labelling_answer(verdicts())
    for text, subject in TEXTS.items():
        result = answer(call(text))
        assert result["topics"][0].casefold() == subject
        assert result["noise"] is False


def test_noise_and_ads_are_flagged() -> None:
    result = labelling_answer(verdicts())(call("Buy now with code X"))
    assert result["noise"] is True and result["noise_reason"] == "advertising"
    assert result["topics"] == []


def test_an_unknown_message_gets_the_plain_fake_analysis() -> None:
    result = labelling_answer(verdicts())(call("Something never labelled here"))
    assert result["noise"] is False and "topics" in result


def test_the_noisy_labeller_is_wrong_about_a_fifth_of_the_time() -> None:
    answer = labelling_answer(verdicts(), wrong=0.2, seed=7)
    wrong = sum(answer(call(t))["topics"][0].casefold() != s for t, s in TEXTS.items())
    assert 10 <= wrong <= 30
    again = labelling_answer(verdicts(), wrong=0.2, seed=7)
    assert [answer(call(t)) for t in TEXTS] == [again(call(t)) for t in TEXTS]


def test_batches_are_answered_per_message() -> None:
    texts = list(TEXTS)[:2]
    body = "\n".join(
        f'<message id="{n}" type="post">\n{t}\n</message>' for n, t in enumerate(texts, 1)
    )
    result = labelling_answer(verdicts())(
        ModelCall("m", "", body, ANALYSIS_SCHEMA, "message_analysis_batch")
    )
    assert [r["id"] for r in result["results"]] == ["1", "2"]
    assert [r["topics"][0].casefold() for r in result["results"]] == ["iron", "iron"]
