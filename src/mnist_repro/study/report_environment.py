"""REPORT.md's environment paragraphs for one version: test accuracy by CPU kind with a two-sample
test of whether the kind shifts it, and whether the runs share one set of installed packages."""

from __future__ import annotations

import itertools
import re

from ..outputs import markdown
from ..outputs.run_record import Results
from .stats import Spread, permutation_p_value

MIN_RUNS = 3  # fewer runs than this on a kind: its spread says nothing, so no test is made


def cpu_kind(env: dict) -> str:
    """The instruction set that decides which kernels TensorFlow runs (and so the bytes of a run)."""
    flags = env.get("cpu_flags") or []
    if env.get("gpus"):
        return "GPU"
    if "amx_bf16" in flags or "amx_tile" in flags:
        return "AMX"
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "unknown"


def cpu_group(env: dict) -> str:
    """The CPU kind the runs are compared within: the vendor and family as the run recorded them and the
    instruction set, e.g. "AMD EPYC, AVX-512" apart from "Intel Xeon, AVX-512" (their kernels and
    their bytes can differ with the same vector width)."""
    kind = cpu_kind(env)
    family = " ".join(re.sub(r"\((R|TM)\)", "", env.get("cpu") or "").split()[:2])
    return f"{family}, {kind}" if family and kind != "GPU" else kind


def accuracy_by_cpu_kind(runs: dict) -> list[str]:
    groups: dict[str, list[Results]] = {}  # kind -> each run's results
    for _, run in sorted(runs.items()):
        groups.setdefault(cpu_group(run.environment), []).append(run.results)
    rows = [[kind, spread.n, f"{spread.mean:.2f} ± {spread.std:.2f} %", f"[{spread.low:.2f}, {spread.high:.2f}] %"]
            for kind, spread in ((kind, _accuracy(results)) for kind, results in sorted(groups.items()))]
    return ["### Test accuracy by CPU kind", "",
            "A CPU kind is the CPU's vendor and family as each run recorded them, with the widest of AMX, AVX-512 "
            "and AVX2 that it offers (which decides the kernels TensorFlow runs).", "",
            markdown.table(["CPU kind", "n", "test accuracy, mean ± std", "[min, max]"], rows), "", _verdict(groups), ""]


def _accuracy(results: list[Results]) -> Spread:
    return Spread([float(result.test_accuracy) for result in results])


def _verdict(groups: dict[str, list[Results]]) -> str:
    if len(groups) == 1:
        return f"All runs ran on one CPU kind ({next(iter(groups))}), so the kind's effect cannot be seen here."
    testable = {kind: results for kind, results in groups.items() if len(results) >= MIN_RUNS}
    few = [f"{kind} (n = {len(results)})" for kind, results in sorted(groups.items()) if len(results) < MIN_RUNS]
    sentences = []
    for (kind_a, a), (kind_b, b) in itertools.combinations(sorted(testable.items()), 2):
        # On the test errors, whole numbers: the same test as on the accuracies (100 - errors / 100).
        p, method = permutation_p_value([r.test_errors for r in a], [r.test_errors for r in b])
        shift = round(_accuracy(b).mean - _accuracy(a).mean, 2) + 0.0  # + 0.0: a shift that rounds to 0 reads +0.00
        finding = ("the kind shifts the accuracy (p < 0.05)" if p < 0.05 else
                   "no evidence that the kind shifts the accuracy at the 5 % level")
        sentences.append(f"{kind_b} against {kind_a}: {shift:+.2f} pp in mean test accuracy; a permutation test "
                         f"of the difference ({method}) gives p = {p:.3f}, so {finding}.")
    if few:
        sentences.append(f"Too few runs to test on {', '.join(few)}: at least {MIN_RUNS} are needed.")
    return " ".join(sentences) if sentences else "No CPU kind has enough runs to test."


def package_sets(runs: dict) -> str:
    """Whether the runs that record every installed distribution share one set of them."""
    sets: dict[tuple, list[int]] = {}
    older = []
    for seed, run in sorted(runs.items()):
        found = run.environment.get("distributions")
        if found is None:
            older.append(seed)
            continue
        sets.setdefault(tuple(sorted((k, v) for k, v in found.items() if k != "mnist-repro")), []).append(seed)
    if not sets:
        return (f"**Installed packages:** none of these {len(older)} runs records its full set (they predate that "
                "record in metrics.json; their main libraries are named above).")
    before = (f" Seeds {', '.join(map(str, older))} predate that record (their main libraries are named above)."
              if older else "")
    if len(sets) == 1:
        (packages, seeds), = sets.items()
        return (f"**Installed packages:** the {len(seeds)} runs that record them (seeds "
                f"{', '.join(map(str, seeds))}) share one set of {len(packages)} distributions.{before}")
    first, *others = [dict(packages) for packages in sets]
    differing = sorted({name for other in others for name in set(first) | set(other) if first.get(name) != other.get(name)})
    return (f"**Installed packages:** the runs that record them used {len(sets)} different sets; they differ in "
            f"{', '.join(differing[:10])}{' …' if len(differing) > 10 else ''}.{before}")
