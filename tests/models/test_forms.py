"""Course and tutorial forms, found with no flags and no glue: a correct version of each passes,
and a planted bug fails on exactly the tensors it breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

import gradcheck
from gradcheck.errors import GradcheckError
from gradcheck.models.discovery import load_model, model_of
from gradcheck.models.importer import import_file
from tests.models import forms
from tests.models.user_files import write

DONE = [
    "course_2layer",
    "course_2layer_lower",
    "l_model",
    "gradcheck_n",
    "regularization",
    "dropout",
    "full_forward",
    "two_layer_net",
    "softmax",
    "svm",
    "min_char_rnn",
    "layer_net",
    "nielsen_with_cost",
    "fc_net",
    "course_2layer_l2",
    "layer_net_loss_fn",
    "logistic",
]


def test_every_form_is_covered() -> None:
    assert sorted(DONE) == sorted(forms.FORMS) == sorted(forms.BUGS)


def _check(path: Path, **kw: object) -> gradcheck.Report:
    return gradcheck.check(load_model(path, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", DONE)
def test_the_correct_form_passes_with_no_flags(tmp_path: Path, name: str) -> None:
    report = _check(write(tmp_path, forms.FORMS[name]))
    assert report.ok, [(t.name, t.status) for t in report.tensors]
    assert report.warnings == ()


@pytest.mark.parametrize("name", DONE)
def test_the_planted_bug_fails_on_the_tensors_it_breaks(tmp_path: Path, name: str) -> None:
    old, new, wrong = forms.BUGS[name]
    assert old in forms.FORMS[name]
    report = _check(write(tmp_path, forms.FORMS[name].replace(old, new)))
    assert not report.ok
    assert {t.name for t in report.failed} == wrong


def test_a_lower_case_cost_argument_binds_to_forwards_output(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, forms.COURSE_2LAYER_LOWER))
    assert gradcheck.check(model).ok


def test_a_hyperparameter_comes_from_set_when_the_file_has_no_global(tmp_path: Path) -> None:
    text = forms.REGULARIZATION.replace("\nlambd = 0.7\n", "\n")
    path = write(tmp_path, text)
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    message = str(err.value)
    assert "cannot bind argument 'lambd' of the cost function" in message
    assert "--set lambd=VALUE" in message
    # The advice works when followed, both ways it is given.
    assert _check(path, settings=["lambd=0.7"]).ok
    assert _check(write(tmp_path, "lambd = 0.7\n" + text, "with_global.py")).ok
    # ... and the value is the one set: without the L2 term in backward, lambd=0 passes too.
    old, new, _ = forms.BUGS["regularization"]
    buggy = write(tmp_path, text.replace(old, new), "buggy.py")
    assert not _check(buggy, settings=["lambd=0.7"]).ok
    assert {t.name for t in _check(buggy, settings=["lambd=0.0"]).failed} == set()


def test_advice_to_return_a_forward_value_works_when_followed(tmp_path: Path) -> None:
    text = forms.COURSE_2LAYER.replace("def compute_cost(A2, Y):", "def compute_cost(A_out, Y):")
    text = text.replace(
        "logprobs = np.multiply(np.log(A2)", "A2 = A_out\n    logprobs = np.multiply(np.log(A2)"
    )
    with pytest.raises(GradcheckError, match="If forward computes it, return it from forward"):
        load_model(write(tmp_path, text))
    followed = text.replace("return A2, cache", "A_out = A2\n    return A_out, cache")
    followed = followed.replace(
        'A1, A2 = cache["A1"], cache["A2"]', 'A1, A2 = cache["A1"], cache["A2"]'
    )
    assert _check(write(tmp_path, followed, "followed.py")).ok


def test_the_dropout_family_takes_keep_prob_from_forwards_default(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, forms.DROPOUT))
    assert gradcheck.check(model).ok
    # A module-level keep_prob wins over the default, in forward and backward alike.
    assert _check(write(tmp_path, "keep_prob = 0.8\n" + forms.DROPOUT, "kp.py")).ok


def test_data_under_a_name_only_set_can_give(tmp_path: Path) -> None:
    text = forms.L_MODEL.replace("train_x", "my_inputs")
    path = write(tmp_path, text)
    with pytest.raises(GradcheckError, match="cannot bind argument 'X'"):
        load_model(path)
    assert _check(path, settings=["X=my_inputs"]).ok


def test_several_families_are_listed_with_the_flags_that_choose(tmp_path: Path) -> None:
    text = (
        forms.REGULARIZATION + forms.DROPOUT.split("def relu(x):\n    return np.maximum(0, x)\n")[1]
    )
    path = write(tmp_path, text)
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    message = str(err.value)
    assert "defines 2 families" in message
    assert (
        "--forward forward_propagation --cost compute_cost_with_regularization "
        "--backward backward_propagation_with_regularization" in message
    )
    assert (
        "--forward forward_propagation_with_dropout --cost compute_cost "
        "--backward backward_propagation_with_dropout" in message
    )
    chosen = {
        "forward": "forward_propagation_with_dropout",
        "cost": "compute_cost",
        "backward": "backward_propagation_with_dropout",
    }
    assert _check(path, **chosen).ok


def test_forward_returning_the_cost_without_a_cost_function_via_flags(tmp_path: Path) -> None:
    text = forms.GRADCHECK_N.replace("_n(", "_x(")
    path = write(tmp_path, text)
    kw = {"forward": "forward_propagation_x", "backward": "backward_propagation_x"}
    assert _check(path, **kw).ok


def test_set_rejects_code_and_unknown_names(tmp_path: Path) -> None:
    path = write(tmp_path, forms.REGULARIZATION)
    with pytest.raises(GradcheckError, match="neither a Python literal"):
        load_model(path, settings=["lambd=__import__('os').getcwd()"])
    with pytest.raises(GradcheckError, match="defines no lamda"):
        load_model(path, settings=["lambd=lamda"])
    with pytest.raises(GradcheckError, match="expected NAME=VALUE"):
        load_model(path, settings=["lambd"])


def test_the_loss_function_is_called_with_the_data_aliases_it_binds(tmp_path: Path) -> None:
    report = _check(write(tmp_path, forms.SOFTMAX))
    assert "softmax_loss_vectorized is called with W=W, X=X_dev, y=y_dev, reg=reg" in report.notes


def test_two_loss_functions_are_listed_and_object_chooses(tmp_path: Path) -> None:
    naive = forms.SOFTMAX.replace("softmax_loss_vectorized", "softmax_loss_naive")
    text = naive + forms.SOFTMAX.split("reg = 0.1\n", 1)[1]
    path = write(tmp_path, text)
    with pytest.raises(GradcheckError, match="softmax_loss_naive, softmax_loss_vectorized"):
        load_model(path)
    assert _check(path, object_name="softmax_loss_vectorized").ok


def test_a_cs231n_net_without_labels_says_how_to_give_them(tmp_path: Path) -> None:
    text = forms.TWO_LAYER_NET.replace("y = np.array([0, 1, 2, 2, 1])\n", "labels_ = [0, 1]\n")
    with pytest.raises(GradcheckError) as err:
        load_model(write(tmp_path, text))
    assert "net.loss returned a ndarray, not (loss, grads)" in str(err.value)
    assert "--set y=NAME" in str(err.value)
    text = text.replace("labels_ = [0, 1]", "answers = np.array([0, 1, 2, 2, 1])")
    assert _check(write(tmp_path, text, "answers.py"), settings=["y=answers"]).ok


def test_a_cs231n_net_takes_reg_from_set(tmp_path: Path) -> None:
    old, new, _ = forms.BUGS["two_layer_net"]
    buggy = write(tmp_path, forms.TWO_LAYER_NET.replace(old, new))
    assert {t.name for t in _check(buggy).failed} == {"W2"}
    assert _check(buggy, settings=["reg=0.0"]).ok  # the bug is in the reg term only


def test_a_nielsen_network_without_a_cost_gets_the_lines_to_add(tmp_path: Path) -> None:
    with pytest.raises(GradcheckError) as err:
        load_model(write(tmp_path, forms.NIELSEN))
    message = str(err.value)
    assert "Network.backprop returns the gradients, but Network has no cost function" in message
    assert "implied by its cost_derivative" in message
    lines = message.split("\n")[1:]
    assert lines == [
        "    def cost(self, x, y):",
        "        a = self.feedforward(x)",
        "        return 0.5 * np.sum((a - y) ** 2)",
    ]
    # Followed: the lines added above cost_derivative make a model that checks, and passes.
    followed = forms.NIELSEN.replace(
        "    def cost_derivative(self", "\n".join(lines) + "\n\n    def cost_derivative(self"
    )
    assert followed == forms.NIELSEN_WITH_COST
    assert _check(write(tmp_path, followed, "followed.py")).ok


def test_layer_nets_name_parameters_as_the_code_reaches_them(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, forms.LAYER_NET))
    assert list(model.params) == [
        "net.layers[0].W",
        "net.layers[0].b",
        "net.layers[2].W",
        "net.layers[2].b",
    ]


def test_dropout_without_a_seed_is_refused_with_both_ways_out(tmp_path: Path) -> None:
    text = forms.DROPOUT.replace("    np.random.seed(1)\n", "")
    path = write(tmp_path, text)
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    message = str(err.value)
    assert "forward_propagation_with_dropout gives a different cost on every call" in message
    assert "np.random.seed(1) as its first line" in message
    # Both ways out work when followed.
    assert _check(path, settings=["keep_prob=1.0"]).ok
    seeded = text.replace(
        "def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n",
        "def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):\n    np.random.seed(1)\n",
    )
    assert _check(write(tmp_path, seeded, "seeded.py")).ok


def test_a_family_the_file_defines_wins_over_one_it_imports(tmp_path: Path) -> None:
    # The course's notebooks import the plain trio from reg_utils next to their own family.
    write(tmp_path, forms.COURSE_2LAYER, "reg_utils.py")
    imports = "import numpy as np\nfrom reg_utils import backward_propagation, compute_cost\n"
    own = forms.REGULARIZATION.replace("import numpy as np\n", imports, 1)
    assert _check(write(tmp_path, own)).ok
    old, new, wrong = forms.BUGS["regularization"]
    assert {
        t.name for t in _check(write(tmp_path, own.replace(old, new), "bug.py")).failed
    } == wrong


def test_module_level_arrays_are_not_taken_for_forward_results() -> None:
    # A notebook cell that ran ``A2, cache = forward_propagation(X, parameters)`` leaves a stale A2
    # and cache at module level: bound to cost or backward, they would freeze the loss and make a
    # correct model FAIL. Only values holding no array are on offer next to a forward.
    import numpy as np

    from gradcheck.models.binding import Binder

    module = {"A2": np.ones(3), "cache": (np.ones(2),), "lambd": 0.7, "arch": [{"n": 4}]}
    binder = Binder(None, {}, None, None, {}, module=module)
    assert binder.source("A2", None) is None
    assert binder.source("cache", None) is None
    assert binder.source("lambd", None) == ("global", "lambd")
    assert binder.source("arch", None) == ("global", "arch")
    loss_only = Binder(None, {}, None, None, {}, module=module, module_arrays=True)
    assert loss_only.source("A2", None) == ("global", "A2")


def test_a_stale_module_level_forward_result_is_not_bound(tmp_path: Path) -> None:
    text = forms.COURSE_2LAYER.replace(
        "def compute_cost(A2, Y):", "def compute_cost(A_2, Y):\n    A2 = A_2"
    )
    text += "\nA_2, cache = forward_propagation(X, parameters)\n"
    with pytest.raises(GradcheckError, match="cannot bind argument 'A_2' of the cost function"):
        load_model(write(tmp_path, text))


def test_a_cs231n_net_by_object_flag_and_from_python(tmp_path: Path) -> None:
    path = write(tmp_path, forms.TWO_LAYER_NET)
    assert _check(path, object_name="net").ok
    user = import_file(path)
    net, X, y = user.net, user.X, user.y
    assert gradcheck.check(gradcheck.from_object(net, X=X, y=y, reg=0.05)).ok
    old, new, wrong = forms.BUGS["two_layer_net"]
    assert {
        t.name
        for t in _check(
            write(tmp_path, forms.TWO_LAYER_NET.replace(old, new), "b.py"), object_name="net"
        ).failed
    } == wrong


def test_the_close_name_advice_works_when_followed(tmp_path: Path) -> None:
    text = forms.COURSE_2LAYER.replace(
        "def backward_propagation(parameters, cache, X, Y):",
        "def backward_propagation(parameters, cahce, X, Y):\n    cache = cahce",
    )
    with pytest.raises(GradcheckError, match="Did you mean 'cache'"):
        load_model(write(tmp_path, text))
    followed = text.replace(
        "(parameters, cahce, X, Y):\n    cache = cahce", "(parameters, cache, X, Y):"
    )
    assert followed == forms.COURSE_2LAYER
    assert _check(write(tmp_path, followed, "followed.py")).ok


@pytest.mark.parametrize(
    ("x_name", "y_name"),
    [
        ("train_x", "train_y"),
        ("train_set_x", "train_set_y"),
        ("X_train", "y_train"),
        ("X_dev", "y_dev"),
        ("inputs", "targets"),
        ("train_X", "train_Y"),
    ],
)
def test_data_under_notebook_names(tmp_path: Path, x_name: str, y_name: str) -> None:
    text = forms.COURSE_2LAYER.replace("\nX = np.random", f"\n{x_name} = np.random").replace(
        "\nY = (np.random", f"\n{y_name} = (np.random"
    )
    assert f"\n{x_name} = " in text and f"\n{y_name} = " in text
    assert _check(write(tmp_path, text)).ok
    old, new, wrong = forms.BUGS["course_2layer"]
    assert {t.name for t in _check(write(tmp_path, text.replace(old, new), "b.py")).failed} == wrong


def test_set_reaches_a_gradcheck_model_dict_and_refuses_a_ready_model(tmp_path: Path) -> None:
    text = forms.REGULARIZATION.replace("\nlambd = 0.7\n", "\n") + (
        "\ngradcheck_model = dict(forward=forward_propagation, "
        "cost=compute_cost_with_regularization, backward=backward_propagation_with_regularization, "
        "params=parameters, X=train_X, Y=train_Y)\n"
    )
    path = write(tmp_path, text)
    assert _check(path, settings=["lambd=0.7"]).ok
    ready = forms.SOFTMAX + (
        "\nimport gradcheck\ngradcheck_model = gradcheck.Model"
        "(params={'W': W}, loss=lambda: 0.0, grads=lambda: {'W': W})\n"
    )
    with pytest.raises(GradcheckError, match="a ready Model, which --set cannot change"):
        load_model(write(tmp_path, ready, "ready.py"), settings=["reg=0.1"])


def test_a_layers_cache_with_a_gradient_beside_it_is_not_a_parameter(tmp_path: Path) -> None:
    # Tanh keeps self.out from forward and stores self.dout in backward: out is a cache (forward
    # makes it anew), and perturbing it would give a false FAIL.
    text = forms.LAYER_NET.replace(
        "        return grad * (1 - self.out ** 2)",
        "        self.dout = grad\n        return grad * (1 - self.out ** 2)",
    )
    model = load_model(write(tmp_path, text))
    assert [n for n in model.params if "layers[1]" in n] == []
    assert gradcheck.check(model).ok


def test_a_layers_gradient_of_the_wrong_shape_fails(tmp_path: Path) -> None:
    text = forms.LAYER_NET.replace(
        "self.db = grad.sum(axis=0, keepdims=True)", "self.db = grad.sum(axis=0)[:1]"
    )
    report = _check(write(tmp_path, text))
    assert {t.name for t in report.failed} == {"net.layers[0].b", "net.layers[2].b"}


@pytest.mark.parametrize("name", ["layer_net", "nielsen_with_cost", "layer_net_loss_fn"])
def test_object_flag_names_a_layer_or_list_net(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, forms.FORMS[name])
    assert _check(path, object_name="net").ok
    old, new, wrong = forms.BUGS[name]
    buggy = write(tmp_path, forms.FORMS[name].replace(old, new), "bug.py")
    assert {t.name for t in _check(buggy, object_name="net").failed} == wrong


def test_from_object_reads_a_net_of_layers(tmp_path: Path) -> None:
    user = import_file(write(tmp_path, forms.LAYER_NET))
    model = gradcheck.from_object(user.net, X=user.X, y=user.y)
    assert list(model.params) == ["layers[0].W", "layers[0].b", "layers[2].W", "layers[2].b"]
    assert gradcheck.check(model).ok


def test_the_week2_notebook_cell_as_written(tmp_path: Path) -> None:
    """The notebook's own test values saturate the sigmoid (z up to 13): the gradients pass, b (a
    Python float) is checked on a copy and left as it was, and the report says how it read them."""
    text = forms.FORMS["logistic"].replace(
        "np.array([[0.1], [-0.2]]), 0.5, np.array([[1., 2., -1.], [3., 0.4, -3.2]])",
        "np.array([[1.], [2.]]), 2., np.array([[1., 2., -1.], [3., 4., -3.2]])",
    )
    path = write(tmp_path, text)
    module = import_file(path)
    report = gradcheck.check(model_of(module, path.name))
    assert report.ok
    assert {t.name: t.shape for t in report.tensors} == {"w": (2, 1), "b": ()}
    assert [w.kind for w in report.warnings] == ["sigmoid_saturation"]
    assert any("b is a number in your file" in n for n in report.notes)
    assert module.b == 2.0 and type(module.b) is float


def test_a_propagate_parameter_the_file_does_not_define_is_named(tmp_path: Path) -> None:
    text = forms.FORMS["logistic"].replace(
        "w, b, X, Y = np.array([[0.1], [-0.2]]), 0.5,", "w, X, Y = np.array([[0.1], [-0.2]]),"
    )
    text = text.replace("\ngrads, cost = propagate(w, b, X, Y)\n", "\n")
    with pytest.raises(
        GradcheckError, match=r"'db', but b is not defined at module level.*--set b="
    ):
        load_model(write(tmp_path, text))


def test_a_bias_that_is_a_number_shows_the_line_of_its_gradient(tmp_path: Path) -> None:
    """db = np.sum(A - Y) is an np.float64, not an array: its statement is still found."""
    old, new, _ = forms.BUGS["logistic"]
    report = _check(write(tmp_path, forms.FORMS["logistic"].replace(old, new)))
    b = report.tensor("b")
    assert (b.pattern, b.factor) == ("scale", pytest.approx(3.0))
    assert b.source_lines[0].text == "db = np.sum(A - Y)"
    assert b.source_lines[0].function == "propagate"
    assert b.fixed_line == "db = np.sum(A - Y) / m"
