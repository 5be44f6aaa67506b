from bayescale.cli import main

main()
