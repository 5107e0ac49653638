from handraise.cli import main

main()
