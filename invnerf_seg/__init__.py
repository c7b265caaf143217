"""InvNeRF-Seg workflow logic: each module does one step, and the step scripts in scripts/ call them."""
