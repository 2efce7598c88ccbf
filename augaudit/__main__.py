from augaudit.cli import main

main()
