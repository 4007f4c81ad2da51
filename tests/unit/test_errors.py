import grpc
import pytest

from sigma import errors


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.Invalid("spec.replicas", "must be >= 0"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.NotFound("x"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.Conflict("x"), grpc.StatusCode.ABORTED),
        (errors.Compacted(3, 10), grpc.StatusCode.OUT_OF_RANGE),
        (errors.PermissionDenied("x"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.Unavailable("x"), grpc.StatusCode.UNAVAILABLE),
        (errors.DeadlineExceeded("x"), grpc.StatusCode.DEADLINE_EXCEEDED),
        (ValueError("a bug"), grpc.StatusCode.INTERNAL),
    ],
)
def test_one_table_maps_every_error(exc: BaseException, code: grpc.StatusCode) -> None:
    assert errors.grpc_code(exc) == code


def test_every_error_class_has_a_code() -> None:
    def subclasses(cls: type) -> list[type]:
        return [c for s in cls.__subclasses__() for c in (s, *subclasses(s))]

    def mapped(cls: type) -> bool:
        return any(base in errors.GRPC_CODES for base in cls.__mro__)

    missing = [c.__name__ for c in subclasses(errors.SigmaError) if not mapped(c)]
    assert missing == []


def test_invalid_round_trips_its_field_through_a_status() -> None:
    exc = errors.from_grpc(grpc.StatusCode.INVALID_ARGUMENT, "metadata.name: must not be empty")
    assert isinstance(exc, errors.Invalid)
    assert (exc.field, exc.reason) == ("metadata.name", "must not be empty")


def test_only_transient_errors_are_retriable() -> None:
    retriable = {c.__name__ for c in errors.GRPC_CODES if c.retriable}
    assert retriable == {"Unavailable", "DeadlineExceeded"}
    assert errors.from_grpc(grpc.StatusCode.UNAVAILABLE, "down").retriable
