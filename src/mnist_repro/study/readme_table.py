"""The results tables of README.md and README.es.md, regenerated from the committed deliverables.

`make report` rewrites the lines between the two markers of each README; nothing in those tables
is typed by hand. The Spanish table has the same numbers under Spanish headings.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import paths, versions
from ..outputs import markdown
from ..errors import RecordUnusable
from ..outputs.atomic import write_text_atomic
from ..outputs.run_record import RunRecord
from .stats import collect, final_spread, interval_verdict

START, END = "<!-- results:start (make report) -->", "<!-- results:end -->"

WORDS = {
    "en": {"head": ["version", "paper test acc", "this repo, default run (seed 0)", "this repo over seeds, mean ± std",
                    "95 % prediction interval for one run", "paper inside it?", "paper train time", "ours (default run)"],
           "errors": "errors", "not run": "not run yet", "no study": "no study runs yet",
           "inside": "inside", "outside": "outside", "paper": "Paper", "ours": "Ours"},
    "es": {"head": ["versión", "acierto en test del informe", "este repositorio, ejecución por defecto (semilla 0)",
                    "este repositorio sobre semillas, media ± desv. típica",
                    "intervalo de predicción del 95 % para una ejecución", "¿el informe dentro?",
                    "tiempo de entrenamiento del informe", "el nuestro (ejecución por defecto)"],
           "errors": "errores", "not run": "aún sin ejecutar", "no study": "aún sin estudio",
           "inside": "dentro", "outside": "fuera", "paper": "Informe", "ours": "Nuestro"},
}
NAMES_ES = {"dense": "densa", "small CNN": "CNN pequeña", "deeper CNN": "CNN profunda"}


def _hardware(text: str, language: str) -> str:
    """A machine's description in the table's language: words and decimal commas (versions stay)."""
    if language != "es":
        return text
    text = re.sub(r"(\d)\.(\d+) GHz", r"\1,\2 GHz", text)
    return text.replace(" cores", " núcleos").replace(" threads", " hilos")


def _number(value: float, digits: int, language: str) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "es" else text


def table(deliverables: Path | None = None, language: str = "en") -> str:
    deliverables = paths.deliverables() if deliverables is None else deliverables
    words, n = WORDS[language], lambda value, digits=2: _number(value, digits, language)
    study = collect(paths.seeds_root(deliverables))
    rows, environments = [], []
    for number, version in versions.available().items():
        try:
            record = RunRecord.read(paths.version_folder(number, deliverables))
            results = record.results
            main = f"{n(results.test_accuracy)} % ({results.test_errors} {words['errors']})"
            time = f"{results.training_time_s:.0f} s"
            environments.append(record.environment["device"])
        except RecordUnusable:
            main, time = words["not run"], "—"
        runs = study.runs.get(number, {})
        seeds, interval, inside = words["no study"], "—", "—"
        if runs:
            spread = final_spread(runs, "test_accuracy")
            low, high = spread.prediction_interval()
            seeds = f"{n(spread.mean)} ± {n(spread.std)} %, n = {spread.n}"
            interval = f"[{n(low)}{'; ' if language == 'es' else ', '}{n(high)}] %"  # 97,68; 98,12 in Spanish
            inside = words["inside" if interval_verdict(version.paper.test_accuracy, spread, 2) == "inside" else "outside"]
        name = NAMES_ES.get(version.name, version.name) if language == "es" else version.name
        rows.append([f"{number} ({name})", f"{n(version.paper.test_accuracy)} % ({version.paper.test_errors} "
                     f"{words['errors']})", main, seeds, interval, inside, f"{version.paper.training_time_s:.0f} s", time])
    hardware = _hardware("; ".join(sorted(set(environments))) or "—", language)
    lines = [markdown.table(words["head"], rows), "", f"{words['paper']}: {_hardware(versions.get(1).paper.hardware, language)}. {words['ours']}: {hardware}."]
    return "\n".join(lines)


def update(readme: Path, deliverables: Path | None = None, language: str = "en") -> bool:
    """Rewrite the marked block; returns False (and changes nothing) when the markers are absent."""
    try:
        text = readme.read_text()
    except FileNotFoundError:
        return False
    if START not in text or END not in text:
        return False
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{table(deliverables, language)}\n{END}{tail}"
    if new != text:
        write_text_atomic(readme, new)
    return True
