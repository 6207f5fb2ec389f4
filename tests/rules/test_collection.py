"""The cycle collector is paused while evidence is grouped and assessed, and comes back."""

import gc

import pytest

from filings.rules.collection import collector_paused


def test_the_collector_is_off_inside_and_on_again_after():
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_comes_back_when_the_work_raises():
    with pytest.raises(ValueError, match="bad evidence"), collector_paused():
        raise ValueError("bad evidence")
    assert gc.isenabled()


def test_a_pause_inside_a_pause_leaves_it_to_the_outer_one():
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner pause found it off, so leaves it off
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
