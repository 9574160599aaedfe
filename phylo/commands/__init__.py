"""One module per subcommand; see phylo.cli for the contract."""
