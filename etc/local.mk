## etc
