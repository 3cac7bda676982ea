"""The contracts: Pandera models of the tables (`tables`) and JSON Schemas of the YAML files (`files`)."""
