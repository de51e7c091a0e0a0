"""The paper's reference numbers in the code equal the report's own tables (a table test).

The tables below are typed from the report: the final results of each version (training time,
train loss and accuracy, test loss and accuracy) and the per-epoch logs (loss, acc, val_loss,
val_acc), with the errata of doc/errata.md applied. The code's reference data is a second,
independent copy, so a typo in either one fails here.
"""

import re

import pytest

from mnist_repro import versions

FINAL = """
| v1 | 22.613 | 0.01141 | 99.80500 | 0.07754 | 97.62000 |
| v2 | 309.861 | 0.02590 | 99.27000 | 0.05184 | 98.22000 |
| v3 | 2686.188 | 0.00237 | 99.90167 | 0.04271 | 99.15000 |
"""
EPOCHS = {
    1: """1 0.3603 0.9007 0.1898 0.9472    9 0.0375 0.9895 0.0288 0.9930
2 0.1674 0.9526 0.1290 0.9639   10 0.0326 0.9911 0.0243 0.9942
3 0.1205 0.9656 0.0996 0.9711   11 0.0271 0.9927 0.0218 0.9952
4 0.0929 0.9736 0.0774 0.9777   12 0.0240 0.9939 0.0168 0.9963
5 0.0750 0.9784 0.0606 0.9826   13 0.0209 0.9946 0.0161 0.9966
6 0.0622 0.9819 0.0499 0.9866   14 0.0174 0.9958 0.0128 0.9973
7 0.0524 0.9853 0.0417 0.9884   15 0.0149 0.9965 0.0114 0.9980
8 0.0439 0.9877 0.0369 0.9902""",
    2: """1 0.3648 0.8989 0.1612 0.9552    9 0.0567 0.9830 0.0397 0.9887
2 0.1361 0.9618 0.0944 0.9737   10 0.0522 0.9835 0.0357 0.9898
3 0.1003 0.9712 0.0731 0.9794   11 0.0497 0.9845 0.0332 0.9905
4 0.0847 0.9757 0.0633 0.9817   12 0.0478 0.9854 0.0317 0.9911
5 0.0759 0.9773 0.0593 0.9829   13 0.0455 0.9860 0.0302 0.9913
6 0.0691 0.9791 0.0507 0.9852   14 0.0410 0.9872 0.0282 0.9922
7 0.0628 0.9815 0.0469 0.9861   15 0.0404 0.9874 0.0259 0.9927
8 0.0599 0.9821 0.0431 0.9876""",
    3: """1 0.1970 0.9389 0.0493 0.9848   11 0.0093 0.9971 0.0047 0.9986
2 0.0560 0.9831 0.0284 0.9907   12 0.0088 0.9973 0.0027 0.9992
3 0.0385 0.9882 0.0182 0.9944   13 0.0074 0.9978 0.0029 0.9992
4 0.0288 0.9909 0.0155 0.9952   14 0.0078 0.9975 0.0016 0.9995
5 0.0227 0.9934 0.0100 0.9972   15 0.0055 0.9983 0.0019 0.9994
6 0.0198 0.9940 0.0068 0.9980   16 0.0076 0.9977 0.0013 0.9996
7 0.0160 0.9952 0.0051 0.9985   17 0.0060 0.9983 0.0016 0.9995
8 0.0130 0.9957 0.0063 0.9979   18 0.0064 0.9980 0.0018 0.9994
9 0.0114 0.9964 0.0034 0.9989   19 0.0039 0.9988 0.00089 0.9997
10 0.0086 0.9972 0.0037 0.9989  20 0.0054 0.9985 0.0024 0.9990""",
}
def parse_epochs(block: str) -> dict[int, tuple]:
    rows = {}
    for line in block.strip().splitlines():
        numbers = line.split()
        for start in range(0, len(numbers), 5):
            epoch, *values = numbers[start:start + 5]
            rows[int(epoch)] = tuple(float(v) for v in values)
    return rows


def parse_final(text: str) -> dict[int, tuple]:
    return {int(m.group(1)): tuple(float(v) for v in m.group(2).split(" | "))
            for m in re.finditer(r"^\| v(\d) \| ([0-9.]+(?: \| [0-9.]+){4}) \|$", text, re.M)}


@pytest.mark.parametrize("number", [1, 2, 3])
def test_code_holds_the_published_numbers(number):
    paper = versions.get(number).paper
    final = parse_final(FINAL)[number]
    assert (paper.training_time_s, paper.train_loss, paper.train_accuracy, paper.test_loss, paper.test_accuracy) == final
    epochs = parse_epochs(EPOCHS[number])
    assert {i + 1: row for i, row in enumerate(paper.epochs)} == epochs
    assert len(paper.epochs) == versions.get(number).epochs
