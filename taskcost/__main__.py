from taskcost.cli import main

if __name__ == "__main__":  # guarded: parser processes re-import the main module
    main()
