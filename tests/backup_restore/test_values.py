"""The value rules against the libraries that define them."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from django.db import models

from backup_restore.values import ValueProblem, value_converter

IP = value_converter(models.GenericIPAddressField(null=True))


@given(st.ip_addresses(v=4).map(str) | st.ip_addresses(v=6).map(str) | st.from_regex(r"[0-9.]{1,18}", fullmatch=True))
def test_ip_addresses_are_checked_and_written_as_ipaddress_does(text):
    try:
        expected = str(ipaddress.ip_address(text))
    except ValueError:
        with pytest.raises(ValueProblem):
            IP(text)
    else:
        assert IP(text) == expected
