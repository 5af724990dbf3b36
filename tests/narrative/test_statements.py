"""What a statement says of having been done, and the sentences an index reads from a raw note."""

from __future__ import annotations

from narrative.statements import scoped_sentences, statement_modality


def test_the_index_reads_hard_wrapped_prose_as_whole_sentences() -> None:
    # a dated log wrapped at the editor's column: the sentence cut at "trying out" was two facts, and answers
    # quoted the second half ("weight norm with both of these approaches") as if it were the note
    raw = ("# Thursday 9AM\nIt seems that the multiscale approach relies entirely on the low resolution FFT \n"
           "discriminator component, which explains the phase issues.  It's probably worth trying out\n"
           "weight norm with both of these approaches \n\n# TODO\n- try weight norm with FilterBank experiment\n")
    sentences = [s for _, s, _ in scoped_sentences(raw)]
    assert "It's probably worth trying out weight norm with both of these approaches" in sentences, sentences
    assert "weight norm with both of these approaches" not in sentences
    assert ("try weight norm with FilterBank experiment", "plan") in [(s, m) for _, s, m in scoped_sentences(raw)]


def test_an_option_the_writer_has_is_no_report() -> None:
    assert statement_modality("Instead, I could just hard-scale the network output to undo the scaling.") == "plan"
    assert statement_modality("We can add random noise to the replicates") == "plan"
    # what was seen or reached, and a verdict after a report, stay reports
    assert statement_modality("we can see that the loss drops") == "done"
    assert statement_modality("I could reach 0.91 with dropout") == "done"
    assert statement_modality("I tried dropout and we can keep it") == "done"


def test_a_line_that_ends_on_a_modal_goes_on_and_its_option_is_a_plan() -> None:
    raw = ("I think seq blocks should work but are overfitting. I might\n"
           "reintroduce seq blocks, but with some form of strong regularization\n(maybe dropout).\n")
    said = {s: statement_modality(s) for _, s, _ in scoped_sentences(raw)}
    whole = "I might reintroduce seq blocks, but with some form of strong regularization (maybe dropout)."
    assert said.get(whole) == "plan", said
