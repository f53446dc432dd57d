from kiosk.launch import main

main()
