"""Discovery: the model a user's file defines, found in INTERFACE.md §3 order."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gradcheck import GradcheckError
from gradcheck.models.discovery import load_model
from tests.models.user_files import LOOSE, OBJECT, TRIO, numeric_matches, write

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
        from gradcheck.models.make import make_model
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
        "X (or x), Y (or y); a course family (forward_propagation, compute_cost, "
        "backward_propagation; L_model_forward, L_model_backward; full_forward_propagation, "
        "get_cost_value, full_backward_propagation); functions loss, grads with params; a "
        "function returning (loss, dW, ...) for module-level arrays; a function returning (grads, "
        "cost) with grads = {'dw': dw, 'db': db} (propagate(w, b, X, Y)) for module-level w, b; "
        "an object with .params and a loss method; a net of layer objects; a network whose backprop returns its gradients. "
        "The file defines functions: "
        "forward_prop, back_prop; other names: w1, lr. Use --object NAME for a model object, "
        "--forward/--cost/--backward for functions with other names, or define gradcheck_model."
    )


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
        + "\nfrom gradcheck.models.make import make_model\nready = make_model(loss=loss, grads=grads, params=params)\n"
    )
    model = load_model(write(tmp_path, text), object_name="ready")
    assert model.form == "loose"


def test_the_default_trio_without_params_says_what_it_lacks(tmp_path: Path) -> None:
    path = write(tmp_path, TRIO.replace("parameters = {", "weights = {"))
    with pytest.raises(GradcheckError) as err:
        load_model(path)
    assert str(err.value) == (
        f"{path} defines forward, cost, backward but no module-level params (or parameters, "
        "params_values): "
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
