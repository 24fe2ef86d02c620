import re,subprocess,sys
proj=sys.argv[1]
out=subprocess.run(['dotnet','build',proj,'-v','q','-clp:NoSummary'],capture_output=True,text=True).stdout
syms=set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API",out))
f=proj.rsplit('/',1)[0]+'/PublicAPI.Unshipped.txt'
lines=open(f).read().splitlines()
lines=sorted(set(lines[1:])|syms)
open(f,'w').write('#nullable enable\n'+''.join(l+'\n' for l in lines if l))
print(len(syms),'added')
