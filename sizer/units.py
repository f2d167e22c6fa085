"""Units: binary and decimal byte multiples, and the few converters sizer needs. Stdlib only."""

KiB = 2**10
MiB = 2**20
GiB = 2**30
KB = 10**3
MB = 10**6
GB = 10**9
TERA = 10**12


def gib_to_bytes(gib: float) -> int:
    """GiB (2**30 bytes) to whole bytes."""
    return round(gib * GiB)


def bytes_to_gib(n_bytes: float) -> float:
    """Bytes to GiB (2**30 bytes)."""
    return n_bytes / GiB


def gb_per_s_to_bytes_per_s(gb_per_s: float) -> float:
    """Decimal GB/s (as datasheets print bandwidth) to bytes/s."""
    return gb_per_s * GB


def tflops_to_flops(tflops: float) -> float:
    """TFLOPS to FLOP/s."""
    return tflops * TERA


def bits_to_bytes(bits: float) -> float:
    """Bits to bytes; fractional on purpose (bits per weight are fractional)."""
    return bits / 8
