from statuskommune.cli import main

main()
