"""The gate's memory figure is the work's own peak, not the hosting process's lifetime peak."""

from deploy_scripts.gate.memory import measure_peak


def test_counts_what_is_allocated_inside_and_not_what_came_before():
    ballast = bytearray(120 * 2**20)  # a process that already grew large, like a long pytest run
    ballast[::4096] = b"x" * len(ballast[::4096])  # touch every page so it is resident
    with measure_peak() as before_only:
        pass
    del ballast
    with measure_peak() as inside:
        block = bytearray(60 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
        del block
    assert before_only.megabytes < 20
    assert 50 < inside.megabytes < 120, inside
    assert inside.method in ("peak RSS growth", "Python heap peak")
