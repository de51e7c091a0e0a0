"""Generated blocks from the committed run records (deliverables/**/metrics.json), pyproject.toml
and the report's numbers in versions/: each a small function from the files under `root` to the
Markdown between a page's markers (doc/render.py says which block goes where)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from mnist_repro import versions
from mnist_repro.outputs.run_record import FILE, RunRecord
from mnist_repro.study.report_environment import cpu_kind
from mnist_repro.study.stats import collect

SEEDS = Path("deliverables") / "seeds"


def records(root: Path) -> dict[str, RunRecord]:
    """Every committed run record under deliverables/ (each folder's metrics.json), by its file's path
    from `root`; one that cannot be read stops the rendering with RecordUnusable."""
    return {str(path.relative_to(root)): RunRecord.read(path.parent)
            for path in sorted((root / "deliverables").glob(f"**/{FILE}"))}


def joined(words: list[str], conjunction: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def spans(numbers: list[int]) -> str:
    """5, 6, 7, 9 -> "5–7, 9": runs of consecutive numbers as ranges."""
    groups: list[list[int]] = []
    for number in sorted(numbers):
        if groups and number == groups[-1][-1] + 1:
            groups[-1].append(number)
        else:
            groups.append([number])
    return ", ".join(str(g[0]) if len(g) == 1 else f"{g[0]}–{g[-1]}" for g in groups)


def family(cpu: str) -> str:
    """"Intel(R) Xeon(R) Processor" -> "Intel Xeon": the vendor and the line, as the README names them."""
    return " ".join(re.sub(r"\((R|TM)\)", "", cpu).split()[:2])


def cpus_by_cores(root: Path) -> dict[int, list[str]]:
    found: dict[int, set[str]] = {}
    for record in records(root).values():
        found.setdefault(record.environment["cpu_count"], set()).add(family(record.environment["cpu"]))
    return {cores: sorted(names) for cores, names in sorted(found.items())}


def cpus(root: Path) -> str:
    return " or ".join(f"{cores}-core {joined(names, 'or')}" for cores, names in cpus_by_cores(root).items())


def cpus_es(root: Path) -> str:
    return " o ".join(f"{joined([f'un {name}' for name in names], 'o')} de {cores} núcleos"
                      for cores, names in cpus_by_cores(root).items())


def python_range(root: Path) -> tuple[str, str | None]:
    """pyproject.toml's requires-python, ">=3.11" or ">=3.11,<3.14", as (lowest, first excluded)."""
    spec = tomllib.loads((root / "pyproject.toml").read_text())["project"]["requires-python"]
    found = re.fullmatch(r">=\s*([\d.]+)(?:\s*,\s*<\s*([\d.]+))?", spec.strip())
    if not found:
        raise ValueError(f"pyproject.toml: requires-python {spec!r} is not of the form >=X or >=X,<Y")
    return found[1], found[2]


def python(root: Path) -> str:
    low, high = python_range(root)
    return f"{low} or newer" if high is None else f"{low} or newer, before {high}"


def python_es(root: Path) -> str:
    low, high = python_range(root)
    return f"{low} o posterior" if high is None else f"{low} o posterior, anterior a {high}"


def claim(root: Path, language: str = "en") -> str:
    """The report's three test accuracies, as the code holds them (versions/v*.py)."""
    papers = [versions.get(number).paper for number in sorted(versions.available())]
    if language == "es":
        accuracies = joined([f"un {p.test_accuracy:.2f} %".replace(".", ",") for p in papers], "y")
        return f"{accuracies} de acierto en test (v3: {papers[-1].test_errors} errores de 10.000)"
    accuracies = joined([f"{p.test_accuracy:.2f} %" for p in papers])
    return f"{accuracies} test accuracy (v3: {papers[-1].test_errors} errors out of 10,000)"


def claim_es(root: Path) -> str:
    return claim(root, "es")


def record_platform(environment: dict) -> str:
    """"Linux-6.18-x86_64-with-glibc2.36" -> "Linux x86_64 with glibc 2.36"."""
    found = re.fullmatch(r"(\w+)-.*-(\w+)-with-([a-z]+)([\d.]+)", environment["platform"])
    return f"{found[1]} {found[2]} with {found[3]} {found[4]}" if found else environment["platform"]


def record_pythons(root: Path) -> str:
    """Which Python, on which system, the committed records name (lock/README.md)."""
    counts: dict[str, int] = {}
    for record in records(root).values():
        key = f"Python {record.environment['python']} on {record_platform(record.environment)}"
        counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    if len(counts) == 1:
        return f"all {total} committed `metrics.json` record {next(iter(counts))}"
    return f"of the {total} committed `metrics.json`, " + joined([f"{n} record {key}" for key, n in counts.items()])


def distributions(root: Path) -> str:
    """How many committed records list every installed distribution, by folder (doc/run.md)."""
    found = records(root)

    def share(prefix: str, what: str) -> str:
        chosen = [record.environment for path, record in found.items() if re.match(prefix, path)]
        listed = {family(env["cpu"]) for env in chosen if "distributions" in env}
        unlisted = {family(env["cpu"]) for env in chosen if "distributions" not in env}
        where = f" (the runs made on the {joined(sorted(listed))})" if listed and unlisted and not listed & unlisted else ""
        return f"{sum('distributions' in env for env in chosen)} of the {len(chosen)} {what}{where}"

    named = ("python", "tensorflow", "keras", "numpy", "matplotlib")
    lacking = [path for path, record in found.items() if not set(named) <= record.environment.keys()]
    versions_too = (f"all {len(found)} name" if not lacking else f"{len(lacking)} of the {len(found)} lack") + \
        " the versions of Python, TensorFlow, Keras, NumPy and matplotlib"
    return joined([share(r"deliverables/seeds/", "seed records in `deliverables/seeds/`"),
                   share(r"deliverables/ver_\d+/", "runs in `deliverables/ver_N/`"),
                   share(r"deliverables/(jax|torch)/seeds/", "JAX and torch seed records (`deliverables/jax/seeds/`, "
                                                              "`deliverables/torch/seeds/`)")]) + f"; {versions_too}"


def seeds_on(root: Path, kind: str) -> str:
    """The study's TensorFlow seeds made on one CPU kind: "seeds 5–19 of v1 and 5–6 of v2"."""
    by_version: dict[int, list[int]] = {}
    for number, runs in sorted(collect(root / SEEDS).runs.items()):
        chosen = [seed for seed, record in runs.items() if cpu_kind(record.environment) == kind]
        if chosen:
            by_version[number] = chosen
    if not by_version:
        return f"no seeds ({kind})"
    merged: dict[str, list[int]] = {}  # the same seeds on several versions: "0–4 of v1, v2 and v3"
    for number, seeds in by_version.items():
        merged.setdefault(spans(seeds), []).append(number)
    return "seeds " + joined([f"{seeds} of {joined([f'v{n}' for n in numbers])}" for seeds, numbers in merged.items()])


def seeds_avx2(root: Path) -> str:
    return seeds_on(root, "AVX2")


def seeds_avx512(root: Path) -> str:
    return seeds_on(root, "AVX-512")
