# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Handwritten digits in MNIST with neural networks: the 2018 report, run again
#
# This notebook follows the report *Reconocimiento óptico de números manuscritos en la base de datos
# MNIST con redes neuronales* (Inteligencia Computacional, Universidad de Granada, 2018) chapter by
# chapter, with today's Keras. Its author learned Keras from TensorFlow's "basic classification"
# notebook; this is the report as such a notebook.
#
# - **Run all** trains version 1 in full here, and loads versions 2 and 3 from their committed runs in
#   `deliverables/` (their model and history, drawn again by the cells below). Set `TRAIN_V2_V3 = True`
#   in the next cell to train them too: chapter 4 estimates how long that takes on your machine first.
# - The outputs you see come from one run of the whole notebook from a clean checkout (`make notebook-run`);
#   the next cell records its commit and machine.
# - The functions come from `mnist_repro`, the project's Python API
#   ([doc/api.md](../doc/api.md)); the models are plain Keras.

# %%
# This run's settings, and what made the outputs below: the commit, the machine, the libraries.
import os
import platform
import subprocess

from mnist_repro import environment, paths

TRAIN_V2_V3 = False  # True: train versions 2 and 3 here as well; False: load their committed runs
LIMIT = None  # the first LIMIT images of each split; None: all of MNIST, as the report
EPOCHS = None  # None: each version's own number of epochs
QUICK = os.environ.get("MNIST_REPRO_NOTEBOOK") == "quick"  # make test's run: a slice of the data, one epoch
if QUICK:
    TRAIN_V2_V3, LIMIT, EPOCHS = True, 1000, 1

# src/ files changed after the commit below, which these outputs predate: `make notebook-stale` lists
# them, `make notebook-run` runs the notebook again and empties the list (a test checks it against git).
SRC_CHANGED_SINCE_OUTPUTS = []

ROOT = paths.project_root()


def git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


LIBRARIES = environment.distributions()
print("mode:", "quick" if QUICK else "full")
print("commit:", git("rev-parse", "HEAD") or "none (not a git checkout)")
print("uncommitted changes in src/:", ", ".join(git("status", "--porcelain", "--", "src").splitlines()) or "none")
print("src/ changed since, which these outputs predate:", ", ".join(SRC_CHANGED_SINCE_OUTPUTS) or "nothing")
vector = ", ".join(environment.cpu_flags()) or "no AVX2"
print("machine:", f"{environment.cpu_model()} ({vector}), {os.cpu_count()} cores, {platform.system()}",
      platform.machine())
print("python:", platform.python_version())
print("tensorflow:", LIBRARIES.get("tensorflow-cpu") or LIBRARIES.get("tensorflow"))
print("keras:", LIBRARIES.get("keras"))

# %% [markdown]
# ## 1. Introduction: the MNIST database
#
# MNIST holds handwritten digits, each a small grey image with its label, split into a training set
# and a test set. `load_mnist` returns the arrays that Keras's `mnist.load_data()` returns, checked
# against their SHA-256 (from the project's `data/mnist.npz`, made by `make data`).

# %%
import logging

import matplotlib.pyplot as plt
import numpy as np

import mnist_repro

logging.getLogger("tensorflow").setLevel(logging.ERROR)  # not its retracing notes: each new model traces anew

mnist = mnist_repro.load_mnist()
print("source:", mnist.source)
for split, images, labels in (("train", mnist.x_train, mnist.y_train), ("test", mnist.x_test, mnist.y_test)):
    counts = {int(digit): int(count) for digit, count in zip(*np.unique(labels, return_counts=True))}
    print(f"{split}: {len(images):,} images of {images.shape[1]}x{images.shape[2]} {images.dtype} pixels;",
          f"per digit {counts}")

# %% [markdown]
# Figure 1.1 of the report: examples of the digits, each with its label above it.

# %%
fig, axes = plt.subplots(5, 5, figsize=(5, 5.6), layout="constrained")
for image, label, axis in zip(mnist.x_train, mnist.y_train, axes.flat):
    axis.imshow(image, cmap="binary")
    axis.set_title(int(label))
    axis.axis("off")
fig.suptitle("Figure 1.1: the first training digits and their labels")
plt.show()

# %% [markdown]
# ## 2. The state of the art
#
# Chapter 2 surveys the deep-learning frameworks of 2018 (Keras, PyTorch, TensorFlow, scikit-learn,
# Theano and others) and chooses Keras on TensorFlow, which needs no GPU. This notebook uses the same
# pair as it is today (their versions are printed above).
#
# ## 3. Implementation
#
# ### 3.2 What the three versions share
#
# Each version is a recipe, kept as data beside its model: the input shape, the loss and how the labels
# are encoded, the epochs, the batch size and Adam's epsilon. Every version scales the grey levels down
# to fractions and trains with Adam at Keras's default learning rate. One quirk is kept on purpose: the report's
# `fit` passed the *training* set as its validation data, so its "val" columns measure the training
# images, not unseen ones.

# %%
for number in (1, 2, 3):
    recipe = mnist_repro.recipe(number)
    print(f"version {recipe.number} ({recipe.name}): input {recipe.input_shape}, {recipe.loss} on "
          f"{recipe.label_encoding} labels, {recipe.epochs} epochs, batch size {recipe.batch_size}, "
          f"Adam epsilon {recipe.adam_epsilon:g}\n    as the original: {recipe.optimizer_origin}")

# %% [markdown]
# ### 3.3 Version 1: a dense network
#
# Each model below is the code that builds it, as the project runs it (`recipe(N).model`), printed from
# its source file `src/mnist_repro/versions/vN.py`. To try a change, copy it into a cell, edit a layer,
# and train it with `model.compile(...)` and `model.fit(...)` as TensorFlow's tutorial does.

# %%
import inspect

print(inspect.getsource(mnist_repro.recipe(1).model))

# %% [markdown]
# ### 3.4 Version 2: a small convolutional network
#
# The report's list calls the last layer "Dropout"; the code, and so this model, has the softmax output
# layer there.

# %%
print(inspect.getsource(mnist_repro.recipe(2).model))

# %% [markdown]
# ### 3.5 Version 3: a deeper convolutional network

# %%
print(inspect.getsource(mnist_repro.recipe(3).model))

# %% [markdown]
# ## 4. Results
#
# Two helpers print a run of ours beside the report: its per-epoch table (tables 4.1, 4.3 and 4.5, from the
# console logs, where the tables have misprints: [doc/errata.md](../doc/errata.md)) and its final
# evaluation (tables 4.2, 4.4 and 4.6).

# %%
import statistics


def per_epoch(run, number):
    """Each epoch's training loss and accuracy, the report's beside the run's."""
    paper = mnist_repro.recipe(number).paper.epochs
    print("epoch   loss: report   ours     accuracy: report   ours")
    for epoch, row in enumerate(run.history):
        report = paper[epoch] if epoch < len(paper) else (float("nan"),) * 2
        print(f"{epoch + 1:5}   {report[0]:12.4f} {row['loss']:8.4f}   {report[1]:16.4f} {row['accuracy']:8.4f}")


def final(run, number):
    """Loss and accuracy on each split, and the training time, the report's beside the run's."""
    paper, results = mnist_repro.recipe(number).paper, run.results
    print("                  report        ours")
    for label, key, digits in (("train loss", "train_loss", 5), ("train accuracy %", "train_accuracy", 3),
                               ("test loss", "test_loss", 5), ("test accuracy %", "test_accuracy", 3),
                               ("training time s", "training_time_s", 1)):
        print(f"{label:16} {getattr(paper, key):9.{digits}f} {getattr(results, key):11.{digits}f}")
    print(f"test errors      {paper.test_errors:9} {results.test_errors:11} of {results.test_images:,}")


# %% [markdown]
# ### 4.1 Version 1
#
# Trained here, in full unless the first cell says otherwise. The run prints what the report's script
# printed: the model, one line per epoch, the training time and the evaluation.

# %%
run1 = mnist_repro.train(1, epochs=EPOCHS, limit=LIMIT)

# %%
per_epoch(run1, 1)
final(run1, 1)
mnist_repro.plot_history(run1)
plt.show()

# %% [markdown]
# ### How long versions 2 and 3 would take here
#
# An estimate, not a measurement: each committed run's median epoch time, scaled by how fast version 1
# trained on this machine just now against its committed run.

# %%
committed = {number: mnist_repro.load_run(paths.version_folder(number)) for number in (1, 2, 3)}
v1_here, v1_committed = statistics.median(run1.epoch_s), statistics.median(committed[1].timing.epoch_s)
print(f"version 1: {v1_here:.2f} s per epoch here, {v1_committed:.2f} s in its committed run "
      f"({committed[1].environment['cpu']})")
for number in (2, 3):
    record = committed[number]
    epochs = EPOCHS or mnist_repro.recipe(number).epochs
    minutes = statistics.median(record.timing.epoch_s) * v1_here / v1_committed * epochs / 60
    print(f"version {number}: about {minutes:.1f} minutes for {epochs} epoch{'s' * (epochs != 1)} (estimated from its "
          f"committed run on {record.environment['cpu']}); "
          f"{'training it below' if TRAIN_V2_V3 else 'loading its committed run instead'}")

# %% [markdown]
# ### 4.2 Version 2

# %%
def train_or_load(number):
    """This version trained here (TRAIN_V2_V3), or its committed run: (run or record, model)."""
    if TRAIN_V2_V3:
        run = mnist_repro.train(number, epochs=EPOCHS, limit=LIMIT)
        return run, run.model
    record = committed[number]
    print(f"loaded {record.folder}: made by `{record.settings.command}` at commit {record.code.commit} on "
          f"{record.environment['cpu']}, {record.environment['cpu_count']} cores")
    model = record.load_model()
    model.summary()
    return record, model


run2, model2 = train_or_load(2)

# %%
per_epoch(run2, 2)
final(run2, 2)
mnist_repro.plot_history(run2)
plt.show()

# %% [markdown]
# ### 4.3 Version 3

# %%
run3, model3 = train_or_load(3)

# %%
per_epoch(run3, 3)
final(run3, 3)
mnist_repro.plot_history(run3)
plt.show()

# %% [markdown]
# ### Where version 3 errs
#
# The report ends on its test accuracy. Here are the digits behind it: the confusion matrix (rows the
# true digit, columns the one the model read) and the misclassified digits, the most confident mistakes
# first.

# %%
x_test, y_test = mnist.x_test[:LIMIT], mnist.y_test[:LIMIT]
found = mnist_repro.predict_digits(x_test, model=model3)
print(f"version 3 misreads {int(np.sum(found.digits != y_test))} of {len(y_test):,} test digits")
mnist_repro.plot_confusion(y_test, found.digits)
plt.show()
mnist_repro.plot_misclassified(x_test, y_test, found.probabilities, limit=24)
plt.show()

# %% [markdown]
# ## A digit of your own
#
# Set `MY_DIGIT` to the path of a photo or a scan of one digit you wrote (PNG, JPEG, BMP or GIF): it is
# prepared as MNIST's digits were (light ink on black, scaled into the centre) and read by the three
# versions. Left as `None`, the cell makes an example: a test digit saved larger, as dark ink on white
# paper, under `build/notebook/`. To draw a digit instead, the demo page has a canvas
# (`make demo`, [doc/demo.md](../doc/demo.md)).

# %%
from PIL import Image

MY_DIGIT = None  # e.g. "~/Pictures/seven.jpg"
if MY_DIGIT is None:
    MY_DIGIT = ROOT / "build" / "notebook" / "example_digit.png"
    MY_DIGIT.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(255 - mnist.x_test[0]).resize((140, 140)).save(MY_DIGIT)
path = os.path.expanduser(MY_DIGIT)
plt.figure(figsize=(2, 2))
plt.imshow(Image.open(path).convert("L"), cmap="gray", vmin=0, vmax=255)
plt.axis("off")
plt.show()
for number, model in ((1, run1.model), (2, model2), (3, model3)):
    read = mnist_repro.predict_digits(path, model=model)
    print(f"version {number} reads a {read.digits[0]} (probability {read.probabilities[0].max():.3f})")

# %% [markdown]
# ## The report's numbers against many runs of today's code
#
# The report is one run of each version, with an unknown seed. The project trained each version again
# with many seeds (`make reproduce`, kept in `deliverables/seeds/`), and judges each of the report's
# numbers against where one new run would land: the 95 % prediction interval of those seeds,
# mean ± t · s · √(1 + 1/n), computed here by the study's own functions (`mnist_repro.study.stats`), as
# `make report` computes [deliverables/REPORT.md](../deliverables/REPORT.md). The figure adds the runs
# of chapter 4.

# %%
from mnist_repro.study import stats

study = stats.collect(paths.seeds_root())
clipped = False
for number, runs in sorted(study.runs.items()):
    paper = mnist_repro.recipe(number).paper
    print(f"version {number}, {len(runs)} seeds")
    for key, label, attribute, digits, unit in stats.FINAL:
        spread = stats.final_spread(runs, key)
        interval = stats.interval_text(spread, digits, unit, upper=100.0 if unit else None)
        clipped |= stats.CLIPPED in interval
        verdict = stats.interval_verdict(getattr(paper, attribute), spread, digits, unit)
        print(f"  {label:15} ours {spread.mean:.{digits}f} ± {spread.std:.{digits}f}{unit}, 95 % interval {interval}; "
              f"the report's {getattr(paper, attribute):.{digits}f}{unit}: {verdict}")
if clipped:
    print(stats.CLIPPED_NOTE)

fig, axes = plt.subplots(1, len(study.runs), figsize=(11, 3.4), layout="constrained")
chapter_4 = {1: run1, 2: run2, 3: run3}
for axis, (number, runs) in zip(np.ravel(axes), sorted(study.runs.items())):
    spread = stats.final_spread(runs, "test_accuracy")
    low, high = spread.prediction_interval()
    axis.axhspan(max(low, 0), min(high, 100), color="tab:blue", alpha=0.15, label="95 % interval, one new run")
    axis.plot(np.zeros(spread.n), spread.values, "o", color="tab:blue", alpha=0.6, label="our seeds, a run each")
    axis.plot([0.3], [mnist_repro.recipe(number).paper.test_accuracy], "D", color="0.3", label="the report")
    axis.plot([-0.3], [chapter_4[number].results.test_accuracy], "*", color="tab:orange", markersize=12,
              label="the run of chapter 4")
    axis.set(title=f"version {number}", xlim=(-1, 1), xticks=[], ylabel="test accuracy (%)")
fig.legend(*np.ravel(axes)[0].get_legend_handles_labels(), loc="outside lower center", ncols=4)
plt.show()

# %% [markdown]
# ## 5. Conclusions: what has changed since 2018
#
# The recipe is the report's; the software under it is not. The cell below prints both stacks; the pages
# after it measure what the change does.

# %%
print("2018:", mnist_repro.recipe(1).paper.hardware)
print("here:", f"{environment.cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}, "
      f"TensorFlow {LIBRARIES.get('tensorflow-cpu') or LIBRARIES.get('tensorflow')}, Keras {LIBRARIES.get('keras')}")

# %% [markdown]
# - [doc/reproduction.md](../doc/reproduction.md):
#   what is reproduced exactly, and what changed between the two stacks (initial weights and random
#   streams, determinism, logging, evaluation, the saved model).
# - [doc/v1-gap.md](../doc/v1-gap.md): the factors tested, one at a time, for version 1's training loss
#   ending below the report's, the 2018 stack itself among them.
# - [doc/performance.md](../doc/performance.md): what makes a run fast today without changing its numbers.
# - [deliverables/REPORT.md](../deliverables/REPORT.md): the study behind the intervals above.
# - [doc/api.md](../doc/api.md): the functions this notebook calls, to go further from here.
