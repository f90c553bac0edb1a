"""Exchange Server as the lab emulates it: versions, snap-ins and cmdlets."""
