"""Every enum starts at ``*_UNSPECIFIED = 0``, so an unset field never reads as a meaningful
value, and its values share that prefix; every proto declares package sigma.v1."""

from __future__ import annotations

from google.protobuf import descriptor as _descriptor

from tests.unit._protos import all_proto_modules


def _enums(descriptors: list[_descriptor.Descriptor]) -> list[_descriptor.EnumDescriptor]:
    found: list[_descriptor.EnumDescriptor] = []
    for message in descriptors:
        found += message.enum_types
        found += _enums(list(message.nested_types))
    return found


def _every_enum() -> list[_descriptor.EnumDescriptor]:
    enums: list[_descriptor.EnumDescriptor] = []
    for module in all_proto_modules():
        enums += module.DESCRIPTOR.enum_types_by_name.values()
        enums += _enums(list(module.DESCRIPTOR.message_types_by_name.values()))
    return enums


def test_every_enum_starts_with_unspecified_and_prefixes_its_values() -> None:
    enums = _every_enum()
    assert len(enums) >= 10
    for enum in enums:
        zero = enum.values_by_number.get(0)
        assert zero is not None and zero.name.endswith("_UNSPECIFIED"), enum.full_name
        prefix = zero.name.removesuffix("UNSPECIFIED")
        for value in enum.values:
            assert value.name.startswith(prefix), f"{enum.full_name}.{value.name}"


def test_every_proto_declares_package_sigma_v1() -> None:
    for module in all_proto_modules():
        assert module.DESCRIPTOR.package == "sigma.v1", module.__name__
