#!/usr/bin/env python3
# Adds every public symbol the build reports as undeclared (RS0016) to the project's PublicAPI.Unshipped.txt.
# Usage, from the repository root: python3 eng/update-public-api.py Emmap.Streams/Emmap.Streams.csproj
import re,subprocess,sys
proj=sys.argv[1]
out=subprocess.run(['dotnet','build',proj,'-v','q','-clp:NoSummary'],capture_output=True,text=True).stdout
syms=set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API",out))
f=proj.rsplit('/',1)[0]+'/PublicAPI.Unshipped.txt'
lines=open(f).read().splitlines()
lines=sorted(set(lines[1:])|syms)
open(f,'w').write('#nullable enable\n'+''.join(l+'\n' for l in lines if l))
print(len(syms),'added')
