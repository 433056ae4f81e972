"""The loader: a user's file in, the model it defines out, in INTERFACE.md §3 order."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gradcheck import GradcheckError, Model
from gradcheck.loader import import_file, load_model, user_traceback

LOOSE = """
import numpy as np

X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
Y = np.array([[1.0, 0.0, 1.0]])
params = {"W": np.array([[0.1, -0.2]]), "b": np.zeros((1, 1))}


def loss(p):
    return float(0.5 * np.sum((p["W"] @ X + p["b"] - Y) ** 2) / X.shape[1])


def grads(p):
    r = (p["W"] @ X + p["b"] - Y) / X.shape[1]
    return {"dW": r @ X.T, "db": r.sum(axis=1, keepdims=True)}
"""

TRIO = """
import numpy as np

X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
Y = np.array([[1.0, 0.0, 1.0]])
parameters = {"W1": np.array([[0.1, -0.2]]), "b1": np.zeros((1, 1))}


def forward(X, parameters):
    Z = parameters["W1"] @ X + parameters["b1"]
    return Z, (X, Z)


def cost(AL, Y):
    return float(0.5 * np.sum((AL - Y) ** 2) / Y.shape[1])


def backward(AL, Y, caches):
    X, Z = caches
    dZ = (AL - Y) / Y.shape[1]
    return {"dW1": dZ @ X.T, "db1": dZ.sum(axis=1, keepdims=True), "dA0": None}
"""

OBJECT = """
import numpy as np


class Net:
    def __init__(self):
        self.X = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 2.0]])
        self.Y = np.array([[1.0, 0.0, 1.0]])
        self.W = {1: np.array([[0.1, -0.2]])}
        self.dW = {}

    def forward(self):
        self.Z = self.W[1] @ self.X
        return self.Z

    def compute_cost(self, AL):
        return float(0.5 * np.sum((AL - self.Y) ** 2))

    def backward(self):
        self.dW[1] = (self.Z - self.Y) @ self.X.T


net = Net()
"""


def write(tmp_path: Path, text: str, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def numeric_matches(model: Model) -> bool:
    """The model's analytic gradients agree with centered differences (h = 1e-6)."""
    grads = model.grads()
    for name, arr in model.params.items():
        g = next(grads[k] for k in (name, "d" + name) if k in grads)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + 1e-6
            plus = float(model.loss())
            arr[idx] = old - 1e-6
            minus = float(model.loss())
            arr[idx] = old
            if abs((plus - minus) / 2e-6 - g[idx]) > 1e-6 * (1 + abs(g[idx])):
                return False
    return True


# ----------------------------------------------------------------------------------------------
# Discovery, one rule at a time
# ----------------------------------------------------------------------------------------------


def test_loose_functions_are_found(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, LOOSE))
    assert model.form == "loose"
    assert list(model.params) == ["W", "b"]
    assert model.extra["batch_size"] == 3  # from the module's X and Y
    assert numeric_matches(model)


def test_the_trio_is_found_with_module_level_parameters(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, TRIO))
    assert model.form == "trio"
    assert list(model.params) == ["W1", "b1"]
    assert model.extra["batch_size"] == 3
    assert numeric_matches(model)


def test_the_trio_wins_over_loose_functions(tmp_path: Path) -> None:
    both = TRIO + "\nparams = parameters\nloss = lambda p: 0.0\ngrads = lambda p: {}\n"
    assert load_model(write(tmp_path, both)).form == "trio"


def test_trio_flags_name_differently_called_functions(tmp_path: Path) -> None:
    renamed = TRIO.replace("def forward(", "def fwd(").replace("def backward(", "def bwd(")
    path = write(tmp_path, renamed)
    model = load_model(path, forward="fwd", backward="bwd")
    assert model.form == "trio" and numeric_matches(model)


def test_trio_flags_naming_a_missing_function_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, TRIO)
    with pytest.raises(GradcheckError) as err:
        load_model(path, forward="forward_prop")
    assert str(err.value) == (
        f"{path} defines no function forward_prop (asked for the trio --forward forward_prop "
        f"--cost cost --backward backward)"
    )


def test_trio_flags_without_params_are_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, TRIO.replace("parameters = {", "weights = {"))
    with pytest.raises(
        GradcheckError, match=r"defines forward, cost, backward but no module-level params"
    ):
        load_model(path, forward="forward")


def test_object_flag_picks_a_module_level_instance(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, OBJECT), object_name="net")
    assert model.form == "object"
    assert list(model.params) == ["W[1]"]
    assert numeric_matches(model)


def test_object_flag_with_method_flags(tmp_path: Path) -> None:
    text = OBJECT.replace("def backward(self)", "def grads_now(self)")
    model = load_model(write(tmp_path, text), object_name="net", backward="grads_now")
    assert numeric_matches(model)


def test_an_unknown_object_name_lists_what_the_file_defines(tmp_path: Path) -> None:
    path = write(tmp_path, OBJECT)
    with pytest.raises(GradcheckError) as err:
        load_model(path, object_name="clf")
    assert (
        str(err.value)
        == f"{path} defines no 'clf' (--object clf); it defines classes: Net; objects: net (Net)"
    )


def test_gradcheck_model_as_an_object(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, OBJECT + "\ngradcheck_model = net\n"))
    assert model.form == "object" and numeric_matches(model)


def test_gradcheck_model_as_a_function_returning_a_dict_for_make_model(tmp_path: Path) -> None:
    text = TRIO + textwrap.dedent(
        """
        def gradcheck_model():
            return dict(forward=forward, cost=cost, backward=backward, params=parameters, X=X, Y=Y)
        """
    )
    model = load_model(write(tmp_path, text))
    assert model.form == "trio" and numeric_matches(model)


def test_gradcheck_model_as_a_dict_for_from_object(tmp_path: Path) -> None:
    text = OBJECT + "\ngradcheck_model = dict(object=net, params='W', grads='dW')\n"
    model = load_model(write(tmp_path, text))
    assert model.form == "object" and list(model.params) == ["W[1]"]


def test_gradcheck_model_as_a_ready_model(tmp_path: Path) -> None:
    text = LOOSE + textwrap.dedent(
        """
        from gradcheck.adapters import make_model
        gradcheck_model = make_model(loss=loss, grads=grads, params=params)
        """
    )
    model = load_model(write(tmp_path, text))
    assert model.form == "loose" and "batch_size" not in model.extra


def test_gradcheck_model_wins_over_the_trio(tmp_path: Path) -> None:
    text = (
        TRIO
        + "\ngradcheck_model = dict(loss=lambda p: 0.0, grads=lambda p: {}, params=parameters)\n"
    )
    assert load_model(write(tmp_path, text)).form == "loose"


def test_nothing_found_lists_definitions_and_what_was_looked_for(tmp_path: Path) -> None:
    text = """
    import numpy as np

    w1 = np.zeros((2, 2))
    lr = 0.1

    def forward_prop(w1, x):
        return w1 @ x

    def back_prop(z, x):
        return z
    """
    path = write(tmp_path, text)
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    assert str(err.value) == (
        f"found no model in {path}. Looked for, in order: gradcheck_model (a model object or a "
        "function returning one); functions forward, cost, backward with params (or parameters), "
        "X (or x), Y (or y); functions loss, grads with params. The file defines functions: "
        "forward_prop, back_prop; other names: w1, lr. Use --object NAME for a model object, "
        "--forward/--cost/--backward for functions with other names, or define gradcheck_model."
    )


# ----------------------------------------------------------------------------------------------
# Files that cannot be used
# ----------------------------------------------------------------------------------------------


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GradcheckError) as err:
        load_model(tmp_path / "nope.py")
    assert str(err.value) == f"{tmp_path / 'nope.py'}: no such file"


def test_a_file_that_is_not_python(tmp_path: Path) -> None:
    path = write(tmp_path, "x = 1", name="model.txt")
    with pytest.raises(GradcheckError, match=r"model.txt is not a Python file \(.py\)$"):
        load_model(path)


def test_a_directory(tmp_path: Path) -> None:
    with pytest.raises(GradcheckError, match=r"is a directory"):
        load_model(tmp_path)


def test_a_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "x = 1\ndef f(:\n    pass\n")
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    assert str(err.value).startswith(f"{path}:2: syntax error:")


def test_sys_exit_while_importing_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "import sys\nsys.exit(3)\n")
    with pytest.raises(GradcheckError, match=r"called sys.exit\(3\) while being imported"):
        load_model(path)


def test_an_exception_in_the_file_keeps_its_type(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\n\nW = np.ones((2, 3)) @ np.ones((2, 3))\n")
    with pytest.raises(ValueError, match="matmul"):
        load_model(path)


# ----------------------------------------------------------------------------------------------
# Import hygiene
# ----------------------------------------------------------------------------------------------


def test_sibling_modules_are_importable_and_not_left_behind(tmp_path: Path) -> None:
    (tmp_path / "helpers_for_gc_test.py").write_text("SCALE = 2.0\n")
    text = LOOSE.replace(
        "import numpy as np", "import numpy as np\nfrom helpers_for_gc_test import SCALE"
    )
    load_model(write(tmp_path, text))
    assert "helpers_for_gc_test" not in sys.modules
    assert str(tmp_path) not in sys.path


def test_each_load_is_a_fresh_module(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\nCOUNT = np.zeros(1)\nCOUNT += 1\n")
    first, second = import_file(path), import_file(path)
    assert first is not second
    assert first.COUNT[0] == 1 and second.COUNT[0] == 1


def test_printing_while_importing_goes_to_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_model(write(tmp_path, LOOSE + "\nprint('cost after 0 iterations: 0.69')\n"))
    out, err = capsys.readouterr()
    assert out == ""
    assert "cost after 0 iterations" in err


def test_main_guarded_code_does_not_run(tmp_path: Path) -> None:
    text = LOOSE + "\nif __name__ == '__main__':\n    raise SystemExit('training...')\n"
    assert load_model(write(tmp_path, text)).form == "loose"


# ----------------------------------------------------------------------------------------------
# Tracebacks
# ----------------------------------------------------------------------------------------------


def test_user_traceback_keeps_only_the_users_frames(tmp_path: Path) -> None:
    text = LOOSE.replace(
        'return {"dW"', 'raise ZeroDivisionError("in the user code")\n    return {"dW"'
    )
    model = load_model(write(tmp_path, text))
    with pytest.raises(ZeroDivisionError) as err:
        model.grads()
    shown = user_traceback(err.value)
    assert "model.py" in shown
    assert 'raise ZeroDivisionError("in the user code")' in shown
    assert shown.endswith("ZeroDivisionError: in the user code")
    assert "gradcheck/adapters.py" not in shown
    assert "test_loader.py" in shown  # frames outside gradcheck stay, this test's among them


def test_user_traceback_of_an_import_error_shows_the_file_line(tmp_path: Path) -> None:
    path = write(tmp_path, "import numpy as np\n\nW = np.ones((2, 3)) @ np.ones((2, 3))\n")
    with pytest.raises(ValueError) as err:
        load_model(path)
    shown = user_traceback(err.value)
    assert f'File "{path}", line 3' in shown
    assert "gradcheck/loader.py" not in shown and "<frozen" not in shown


def test_an_object_model_points_at_its_class_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, OBJECT)
    model = load_model(path, object_name="net")
    line = next(
        i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("class Net")
    )
    assert model.source == f"{path.resolve()}:{line}"


def test_object_flag_on_a_ready_model_passes_it_through(tmp_path: Path) -> None:
    text = (
        LOOSE
        + "\nfrom gradcheck.adapters import make_model\nready = make_model(loss=loss, grads=grads, params=params)\n"
    )
    model = load_model(write(tmp_path, text), object_name="ready")
    assert model.form == "loose"


def test_the_default_trio_without_params_says_what_it_lacks(tmp_path: Path) -> None:
    path = write(tmp_path, TRIO.replace("parameters = {", "weights = {"))
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    assert str(err.value) == (
        f"{path} defines forward, cost, backward but no module-level params (or parameters): "
        "the mapping of name -> array they are checked at"
    )


def test_gradcheck_model_taking_arguments_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, OBJECT + "\ndef gradcheck_model(net):\n    return net\n")
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    assert str(err.value) == (
        f"{path}: gradcheck_model must be a model or a function of no arguments returning one; "
        "it is gradcheck_model(net)"
    )
