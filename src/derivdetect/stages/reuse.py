"""The calibrated decision: the probability that the derived text of a pair reuses the other's
writing, from the evidence of its alignment.

Coverage alone cannot tell a rewrite from an independent report of the same event: both
share names, facts and quotes. A logistic model weighs the evidence together: how much prose
(quotes apart) is shared word for word and restated, in how many tiles and links and how
strong, whether the passages keep the source's order, how long the texts are. It is trained
by ``benchmarks/train_reuse.py`` on ../shared data only (METER show-business stories against
the wire copy of their catchline, Clough-Stevenson answers against their task's original),
cross-validated by story, and kept as plain numbers in ``reuse_model.json`` (never pickle).
``DERIVDETECT_REUSE_MODEL=PATH`` loads another model file (to try a retrained one).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .classify import derived_side
from .evidence import STRONG_LINK

MODEL_FILE = Path(__file__).with_name("reuse_model.json")


def reuse_features(scores: dict) -> dict:
    """The model's inputs, from a pair's scores (``judge.pair_scores``), seen from the
    derived side ``d`` (the more covered text) and the other side ``o``. Only evidence of
    the pair itself: text lengths and whether the corpus gave topic words are left out,
    since on the training data they stand for how METER's briefs were sampled (short
    stories there are mostly derived; in a newsroom short briefs are as often
    independent)."""
    d = derived_side(scores)
    o = "b" if d == "a" else "a"
    sentences = max(1, scores.get(f"sentences_{d}", 0))
    return {
        "prose_coverage": scores[f"prose_coverage_{d}"],
        "prose_exact_coverage": scores[f"prose_exact_coverage_{d}"],
        "paraphrase_coverage": scores[f"paraphrase_coverage_{d}"],
        "quote_coverage": scores[f"quote_coverage_{d}"],
        "prose_coverage_other": scores[f"prose_coverage_{o}"],
        "log_longest_run": math.log1p(scores["longest_prose_run_words"]),
        "log_exact_passages": math.log1p(scores["exact_passages"]),
        "log_paraphrase_passages": math.log1p(scores["paraphrase_passages"]),
        "log_strong_links": math.log1p(scores["strong_links"]),
        "link_similarity": scores["link_similarity"],
        "in_order_share": scores["in_order_share"],
        "aligned_sentence_share": min(1.0, scores[f"aligned_sentences_{d}"] / sentences),
        "content_containment": scores[f"content_containment_{d}_in_{o}"],
        "containment": scores[f"containment_{d}_in_{o}"],
        "function_containment": scores[f"function_containment_{d}_in_{o}"],
    }


@dataclass(frozen=True)
class ReuseModel:
    """A standardized logistic model: ``p = 1 / (1 + exp(-(b + sum w_i (x_i - m_i) / s_i)))``."""

    features: tuple
    mean: tuple
    scale: tuple
    weights: tuple
    intercept: float
    about: dict

    def probability(self, features: dict) -> float:
        z = self.intercept + sum(w * (features[name] - m) / s for name, m, s, w in
                                 zip(self.features, self.mean, self.scale, self.weights))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def contributions(self, features: dict) -> dict:
        """Each feature's push on the log-odds against an average pair (for the reasons)."""
        return {name: w * (features[name] - m) / s for name, m, s, w in
                zip(self.features, self.mean, self.scale, self.weights)}

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "weights": list(self.weights),
                "intercept": self.intercept, "about": self.about}

    @staticmethod
    def from_dict(data: dict) -> "ReuseModel":
        names = tuple(data["features"])
        model = ReuseModel(names, tuple(map(float, data["mean"])),
                           tuple(map(float, data["scale"])), tuple(map(float, data["weights"])),
                           float(data["intercept"]), dict(data.get("about", {})))
        if not len(names) == len(model.mean) == len(model.scale) == len(model.weights):
            raise ValueError("the reuse model's lists differ in length")
        return model


@lru_cache(maxsize=4)
def load_model(path: str = "") -> ReuseModel:
    """The model in ``path`` (default: ``DERIVDETECT_REUSE_MODEL``, else the shipped one)."""
    path = path or os.environ.get("DERIVDETECT_REUSE_MODEL") or str(MODEL_FILE)
    with open(path, encoding="utf-8") as handle:
        return ReuseModel.from_dict(json.load(handle))


def reuse_probability(scores: dict) -> float:
    """The probability that the derived text reuses the other's writing."""
    return load_model().probability(reuse_features(scores))


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


#: Features that describe paraphrase links: no evidence either way when there are none.
LINK_FEATURES = ("link_similarity", "log_paraphrase_passages", "log_strong_links")


def _evidence_phrase(name: str, value: float, scores: dict) -> str:
    """One feature of :func:`reuse_features` in an editor's words."""
    phrases = {
        "prose_coverage": f"{value:.0%} of its prose aligned",
        "prose_exact_coverage": f"{value:.0%} of its prose word for word",
        "paraphrase_coverage": f"{value:.0%} of it paraphrased" if value else
                               "nothing of it paraphrased",
        "quote_coverage": f"{value:.0%} of it in shared quotes",
        "prose_coverage_other": f"{value:.0%} of the other's prose aligned",
        "log_longest_run": f"a longest verbatim run of {scores['longest_prose_run_words']} "
                           "words of prose",
        "log_exact_passages": _plural(scores["exact_passages"], "exact passage"),
        "log_paraphrase_passages": "coverage spread over "
                                   + _plural(scores["paraphrase_passages"], "paraphrase link"),
        "log_strong_links": _plural(scores["strong_links"], "link")
                            + f" of similarity {STRONG_LINK}+",
        "link_similarity": f"links of similarity {value:.2f} on average",
        "in_order_share": f"{value:.0%} of the aligned passages in the other's order",
        "aligned_sentence_share": f"{value:.0%} of its sentences aligned",
        "content_containment": f"{value:.0%} of its rare-word sequences found in the other",
        "containment": f"{value:.0%} of its word sequences (shingles) found in the other",
        "function_containment": f"{value:.0%} of its function-word sequences found in the "
                                "other",
    }
    return phrases.get(name, name.replace("_", " "))


def probability_drivers(scores: dict, most: int = 2, least_push: float = 0.15) -> str:
    """What drove the reuse probability, for the reasons: the ``most`` features pushing it
    up and the one pushing it down the most, against an average training pair (each push at
    least ``least_push`` in log-odds), e.g. ``"for: 60% of it paraphrased, 9 exact passages;
    against: 4% of its prose word for word"``. Empty when no feature stands out."""
    model = load_model()
    features = reuse_features(scores)
    pushes = sorted(model.contributions(features).items(), key=lambda t: -abs(t[1]))
    if not scores.get("paraphrase_passages"):
        pushes = [(n, c) for n, c in pushes if n not in LINK_FEATURES]
    up = [_evidence_phrase(n, features[n], scores) for n, c in pushes if c >= least_push][:most]
    down = [_evidence_phrase(n, features[n], scores) for n, c in pushes
            if c <= -least_push][:1]
    parts = ([f"for: {', '.join(up)}"] if up else []) + (
        [f"against: {', '.join(down)}"] if down else [])
    return "; ".join(parts)
