"""doc/v1-gap.md's 2018-stack section: the 2018 program on the 2018 stack (experiments/v1_2018.py), epoch
by epoch against the 2018 log and against today's TensorFlow (the study's v1 seeds, `make reproduce`)."""

from __future__ import annotations

import statistics

from mnist_repro import versions
from mnist_repro.outputs import markdown
from mnist_repro.study.stats import Spread, interval_text, interval_verdict, permutation_p_value

STACK = "2018-stack"  # the arm that changes everything: the 2018 program on the 2018 stack


def losses(run) -> list[float]:
    """One run's per-epoch losses: a record {"loss", "test_accuracy", ...}, or a bare list (older runs)."""
    return run["loss"] if isinstance(run, dict) else run


def epoch_spread(runs: list, epoch: int) -> Spread:
    return Spread([losses(run)[epoch] for run in runs])


def inside_epochs(runs: list, paper: list[float]) -> list[int]:
    """The epochs (from 1) at which the paper's loss lies inside the runs' 95 % prediction interval."""
    if len(runs) < 2:
        return []
    return [e + 1 for e in range(len(paper)) if interval_verdict(paper[e], epoch_spread(runs, e), 4) == "inside"]


def inside_text(runs: list, paper: list[float]) -> str:
    if len(runs) < 2:
        return "—"
    inside = inside_epochs(runs, paper)
    outside = [str(e) for e in range(1, len(paper) + 1) if e not in inside]
    return f"{len(inside)} of {len(paper)}" + (f" (not {', '.join(outside)})" if outside else "")


def stack_sentence(stack: list[list[float]], paper: list[float], today: list[list[float]]) -> str:
    """Where the paper's curve lies against the 2018 stack's runs, and whether the stack ends where today's does."""
    inside = inside_epochs(stack, paper)
    outside = [str(e) for e in range(1, len(paper) + 1) if e not in inside]
    where = "at every epoch" if not outside else f"at {len(inside)} of {len(paper)} epochs (outside at {', '.join(outside)})"
    above = sum(run[-1] < paper[-1] for run in stack)
    text = (f"The 2018 stack itself ({len(stack)} runs): the paper's loss lies inside the 95 % prediction interval for "
            f"one new run of it {where}; at the last epoch it is above {above} of the {len(stack)} runs")
    if len(today) < 2 or len(stack) < 2:
        return text + "."
    ours, theirs = [run[-1] for run in today], [run[-1] for run in stack]
    p, method = permutation_p_value(ours, theirs)
    text += (f". At the last epoch its mean loss is {statistics.mean(theirs) / statistics.mean(ours):.3f} of today's "
             f"TensorFlow's (the study's {len(today)} v1 seeds); a permutation test of the difference ({method}) gives "
             f"p = {p:.3f}, so {'the stack moves it (p < 0.05)' if p < 0.05 else 'no evidence that the stack moves it'}.")
    below = all(epoch_spread(stack, e).mean < paper[e] for e in range(len(paper)))
    if p >= 0.05 and below:
        text += (" The 2018 stack's curve lies below the 2018 log at every epoch, as today's does: the gap is not "
                 "the change of stack; the 2018 log is one run from the upper side of its own stack's spread.")
    return text


def stack_section(runs: list, paper: list[float], today: list[list[float]]) -> list[str]:
    """The 2018 stack's runs against the 2018 log and today's TensorFlow, epoch by epoch."""
    if len(runs) < 2:
        return []
    stack, rows = [losses(run) for run in runs], []
    for e, logged in enumerate(paper):
        spread = epoch_spread(stack, e)
        now = [f"{epoch_spread(today, e).mean:.4f} ± {epoch_spread(today, e).std:.4f}"] if today else []
        rows.append([e + 1, f"{logged:.4f}", f"{spread.mean:.4f} ± {spread.std:.4f}", f"{spread.mean / logged:.3f}",
                     interval_text(spread, 4), interval_verdict(logged, spread, 4), *now])
    accuracy = Spread([run["test_accuracy"] for run in runs])
    paper_accuracy = versions.get(1).paper.test_accuracy
    verdict = interval_verdict(paper_accuracy, accuracy, 2, " pp")
    versions_seen = sorted({f"Python {run['python']}, TensorFlow {run['tensorflow']} (tf.keras {run['keras']}), Keras "
                            f"{run['keras_package']}, NumPy {run['numpy']}" for run in runs})
    return ["## The 2018 stack, epoch by epoch", "",
            f"The {STACK} arm's {len(runs)} runs (seeds 0-{len(runs) - 1}; {'; '.join(versions_seen)}, as each run "
            "recorded the libraries it imported) against the 2018 log: the paper's value is judged against where one "
            "new run of the arm would land (the 95 % prediction interval, REPORT.md's rule)"
            + (f", beside today's TensorFlow (the study's {len(today)} v1 seeds)" if today else "")
            + f". Its test accuracy is {accuracy.mean:.2f} ± {accuracy.std:.2f} %; one new run would land in "
            f"{interval_text(accuracy, 2, ' %', 100.0)}, and the paper's {paper_accuracy:.2f} % lies "
            + ("inside it." if verdict == "inside" else verdict.replace("outside, ", "outside it, ") + "."),
            "", markdown.table(["epoch", "paper loss", f"{STACK}, mean ± std", "÷ the paper's", "95 % prediction interval",
                                "the paper's value", *(["today's TensorFlow, mean ± std"] if today else [])], rows), ""]
