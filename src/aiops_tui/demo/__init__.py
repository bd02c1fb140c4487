"""The built-in demo fleet: simulated scenarios served in real formats on loopback HTTP."""
