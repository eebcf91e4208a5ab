"""Fitlock's errors; each has the ``code`` the socket API reports."""


class FitlockError(Exception):
    """Base of Fitlock's errors."""

    code = 'error'


class IOFailure(FitlockError):
    """A storage I/O failed or timed out. A timed-out write may still land
    later: nothing may assume it did not."""

    code = 'io_error'


class Corrupt(FitlockError):
    """A record could not be trusted (bad magic or checksum, foreign
    file). It reads as *unknown*, never as free."""

    code = 'corrupt'


class HostIdBusy(FitlockError):
    """Another live host holds (or just took) this host id's delta slot."""

    code = 'host_id_busy'


class LeaseLost(FitlockError):
    """This host's delta lease was overwritten by another host: every
    instance lease it held is gone and its holders must be fenced."""

    code = 'lockspace_lost'


class LeaseHeld(FitlockError):
    """The instance lease is held by a host that is, or may be, alive."""

    code = 'lease_held'


class LeaseBusy(FitlockError):
    """Another host is running a ballot for the same lease right now."""

    code = 'lease_busy'


class NotOwner(FitlockError):
    """This host does not hold the lease it tried to release."""

    code = 'not_owner'


class UnknownLockspace(FitlockError):
    """No lockspace of that name is joined (or exists)."""

    code = 'unknown_lockspace'


class UnknownLease(FitlockError):
    """No lease of that name is held here."""

    code = 'unknown_lease'


class BadRequest(FitlockError):
    """A malformed request on the socket."""

    code = 'bad_request'
