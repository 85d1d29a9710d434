"""Russian text normalisation shared by analytics (phrase matching) and storage (FTS lemmas)."""
from callqa.text.normalize import lemma, lemmas, normalize_text, tokenize

__all__ = ["lemma", "lemmas", "normalize_text", "tokenize"]
