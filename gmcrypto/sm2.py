"""SM2 signing on the recommended curve (GB/T 32918.2-2016 6.1, GB/T 32918.5-2017), with a precomputed table
for the base point G.

Why this exists beside ``gmssl``: signing needs one multiplication k·G of the fixed point G, and gmssl computes it
digit by digit on hexadecimal strings (≈ 4–6 ms per signature, the largest single cost of an approval, issue #8).
Here G's multiples are tabulated once per process (d·16^i·G for every 4-bit digit d and window i, 960 affine
points), so k·G is 64 additions in Jacobian coordinates on Python integers and no doubling at all (≈ 0.3 ms).

Verification stays with gmssl (``provider.sm2_verify_raw``): a signature made here is checked by an independent
implementation, in the tests and wherever a stored decision is verified.

Like gmssl this is not constant-time (Python integers are not); a deployment whose 密评 requires it signs in a
certified cipher machine (``provider.CipherMachineProvider``).
"""

from __future__ import annotations

import threading

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0

WINDOW_BITS = 4
WINDOWS = 256 // WINDOW_BITS
DIGITS = 1 << WINDOW_BITS

# A point in Jacobian coordinates (X, Y, Z) stands for the affine (X/Z², Y/Z³); None is the point at infinity.


def _double(point):
    if point is None:
        return None
    x, y, z = point
    if y == 0:
        return None
    # dbl-2001-b for a = -3 (SM2's a is p - 3)
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) ** 2 - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return x3, y3, z3


def _add_affine(point, x2: int, y2: int):
    """point + (x2, y2), the second in affine coordinates (madd)."""
    if point is None:
        return x2, y2, 1
    x1, y1, z1 = point
    z1z1 = z1 * z1 % P
    u2 = x2 * z1z1 % P
    s2 = y2 * z1 * z1z1 % P
    h = (u2 - x1) % P
    r = (s2 - y1) % P
    if h == 0:
        return _double(point) if r == 0 else None
    hh = h * h % P
    hhh = h * hh % P
    v = x1 * hh % P
    x3 = (r * r - hhh - 2 * v) % P
    y3 = (r * (v - x3) - y1 * hhh) % P
    return x3, y3, z1 * h % P


def _affine(point) -> tuple[int, int] | None:
    if point is None:
        return None
    x, y, z = point
    zinv = pow(z, -1, P)
    zinv2 = zinv * zinv % P
    return x * zinv2 % P, y * zinv2 * zinv % P


_table: list[list[tuple[int, int]]] | None = None
_table_lock = threading.Lock()


def _base_table() -> list[list[tuple[int, int]]]:
    """table[i][d - 1] = d·16^i·G in affine coordinates, built once per process (≈ 20 ms)."""
    global _table
    if _table is None:
        with _table_lock:
            if _table is None:
                table = []
                base = (GX, GY)  # 16^i·G
                for _ in range(WINDOWS):
                    row, acc = [], None
                    for _d in range(1, DIGITS):
                        acc = _add_affine(acc, *base)
                        row.append(_affine(acc))
                    table.append(row)
                    base = _affine(_add_affine(acc, *base))  # 16·(16^i·G)
                _table = table
    return _table


def base_multiply(k: int) -> tuple[int, int]:
    """k·G in affine coordinates, 1 ≤ k < n."""
    if not 1 <= k < N:
        raise ValueError("标量须在 [1, n-1] 内")
    table = _base_table()
    acc = None
    mask = DIGITS - 1
    for i in range(WINDOWS):
        digit = (k >> (WINDOW_BITS * i)) & mask
        if digit:
            acc = _add_affine(acc, *table[i][digit - 1])
    return _affine(acc)


def public_key(private: int) -> tuple[int, int]:
    """P = d·G (GB/T 32918.1-2016 6.1)."""
    if not 1 <= private <= N - 2:
        raise ValueError("SM2 私钥须在 [1, n-2] 内")
    return base_multiply(private)


def sign(private: int, e: int, k: int) -> tuple[int, int] | None:
    """(r, s) for the digest e = SM3(Z_A || M) and the per-signature k (GB/T 32918.2-2016 6.1 A3–A6);
    None when this k gives r = 0, r + k = n or s = 0 and another k must be drawn."""
    x1, _y1 = base_multiply(k)
    r = (e + x1) % N
    if r == 0 or r + k == N:
        return None
    s = pow(1 + private, -1, N) * (k - r * private) % N
    if s == 0:
        return None
    return r, s
