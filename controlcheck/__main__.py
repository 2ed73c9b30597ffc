from .cli.main import main

if __name__ == "__main__":   # never again when a worker process imports the main module
    main()
