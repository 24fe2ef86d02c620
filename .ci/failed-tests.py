"""Prints each failed test of a TRX file with the first lines of its message and stack trace."""
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def main(path: str) -> None:
    root = ET.parse(path).getroot()
    failed = [r for r in root.iter(NS + "UnitTestResult") if r.get("outcome") not in ("Passed", "NotExecuted", "Inconclusive")]
    if not failed:
        return
    print(f"== failed in {path.rsplit('/', 1)[-1]}: {len(failed)}")
    for result in failed:
        print(f"FAILED {result.get('testName')} ({result.get('outcome')}, {result.get('duration')})")
        for tag in ("Message", "StackTrace"):
            element = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}{tag}")
            if element is not None and element.text:
                for line in element.text.strip().splitlines()[:12]:
                    print(f"    {line}")


if __name__ == "__main__":
    main(sys.argv[1])
