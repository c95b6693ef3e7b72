"""Pages of `feedback`: ``public`` (anonymous, no trace) and ``staff`` (logged in, scoped)."""
