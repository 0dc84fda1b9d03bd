"""Ed25519 for the example port: RFC 8032 signing and the verification rule of spec/ed25519.md.

Written from the specification with Python integers only, to show what a port has to get right.
It is NOT constant time (Python integers and the double-and-add below branch on secret bits), so
it must not sign with real keys; `conformance ct` shows the difference.
"""
import hashlib

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = (-121665 * pow(121666, P - 2, P)) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

# Points in extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z (RFC 8032 §5.1.4).
IDENTITY = (0, 1, 1, 0)


def _add(p, q):
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p):
    return _add(p, p)


def _mul(k, p):
    """[k]p by double-and-add (variable time)."""
    q = IDENTITY
    while k > 0:
        if k & 1:
            q = _add(q, p)
        p = _double(p)
        k >>= 1
    return q


def _neg(p):
    x, y, z, t = p
    return ((-x) % P, y, z, (-t) % P)


def _is_identity(p):
    x, y, z, _ = p
    return x % P == 0 and (y - z) % P == 0


def _recover_x(y, sign):
    """The x of the point with this y and sign bit (RFC 8032 §5.1.3 steps 2-4), or None."""
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    vxx = v * x * x % P
    if vxx == u:
        pass
    elif vxx == (-u) % P:
        x = x * SQRT_M1 % P
    else:
        return None
    if x == 0 and sign == 1:
        return None  # step 4: the sign bit cannot be set on x = 0
    if x & 1 != sign:
        x = P - x
    return x


def decode_point(b):
    """The point of a canonical 32-byte encoding (spec/ed25519.md §2), or None."""
    if len(b) != 32:
        return None
    n = int.from_bytes(b, "little")
    sign = n >> 255
    y = n & ((1 << 255) - 1)
    if y >= P:
        return None  # non-canonical y
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def encode_point(p):
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


B = decode_point((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def _clamp(h):
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a


def public_key(seed):
    return encode_point(_mul(_clamp(hashlib.sha512(seed).digest()), B))


def sign(seed, message):
    """RFC 8032 §5.1.6 PureEd25519 signature of `message` by the key with this 32-byte seed."""
    h = hashlib.sha512(seed).digest()
    a = _clamp(h)
    pub = encode_point(_mul(a, B))
    r = int.from_bytes(hashlib.sha512(h[32:] + message).digest(), "little") % L
    big_r = encode_point(_mul(r, B))
    k = int.from_bytes(hashlib.sha512(big_r + pub + message).digest(), "little") % L
    s = (r + k * a) % L
    return big_r + s.to_bytes(32, "little")


# The five outcomes of spec/ed25519.md §3/§4, in the order of the checks.
KEY_NONCANONICAL = "ED25519_KEY_NONCANONICAL"
KEY_SMALL_ORDER = "ED25519_KEY_SMALL_ORDER"
R_NONCANONICAL = "ED25519_R_NONCANONICAL"
S_NONCANONICAL = "ED25519_S_NONCANONICAL"
MISMATCH = "ED25519_MISMATCH"

# Deliberate defects for the runner's own tests (testee.py --break NAME): each removes one check.
BROKEN = set()


def verify(public, message, signature):
    """None if the signature is valid under spec/ed25519.md §3, else the code of the first check
    that fails."""
    a = decode_point(public)
    if a is None:
        return KEY_NONCANONICAL
    if _is_identity(_mul(8, a)):
        return KEY_SMALL_ORDER
    if len(signature) != 64:
        return MISMATCH
    r_bytes, s_bytes = signature[:32], signature[32:]
    r = decode_point(r_bytes)
    if r is None:
        return R_NONCANONICAL
    s = int.from_bytes(s_bytes, "little")
    if s >= L and "s-range" not in BROKEN:
        return S_NONCANONICAL
    k = int.from_bytes(hashlib.sha512(r_bytes + public + message).digest(), "little") % L
    # [8]([S]B - [k]A - R) = 0: the cofactored equation.
    check = _add(_add(_mul(s, B), _neg(_mul(k, a))), _neg(r))
    if not _is_identity(_mul(8, check)):
        return MISMATCH
    return None
