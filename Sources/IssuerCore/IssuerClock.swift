import Clocks

/// The issuer's clock (see ``EpochClock``).
public typealias IssuerClock = EpochClock
