"""A simulated Exchange organisation whose Client Access servers speak real WinRM."""
