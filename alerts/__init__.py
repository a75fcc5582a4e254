"""Spikes in what is said (volume, negativity toward the target, one stance) and where to send them."""
