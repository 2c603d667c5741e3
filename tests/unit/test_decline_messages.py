"""The bank's decline codes become plain words a payer can act on."""

import pytest

from billing.payments.provider import DECLINE_MESSAGES, decline_message


@pytest.mark.parametrize("code", sorted(DECLINE_MESSAGES))
def test_each_known_decline_has_its_own_message(code):
    assert decline_message(code) == DECLINE_MESSAGES[code]
    assert "_" not in decline_message(code)


@pytest.mark.parametrize("code", [None, "", "do_not_honor", "something_new"])
def test_an_unknown_decline_gets_the_generic_message(code):
    assert decline_message(code) == DECLINE_MESSAGES["generic"]


def test_stripes_generic_decline_reads_as_a_declined_card():
    assert decline_message("generic_decline") == DECLINE_MESSAGES["card_declined"]
