"""InvNeRF-Seg workflow logic: small modules, each with one job (a stage's logic, or one concept such as
cameras, masks or a method), called by the step scripts in scripts/."""
