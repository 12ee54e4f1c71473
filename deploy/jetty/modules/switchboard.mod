# DO NOT EDIT - copy it into ${jetty.base}/modules and enable it: java -jar $JETTY_HOME/start.jar --add-modules=switchboard

[description]
Switchboard, virtual models for LLM APIs: deploys the Switchboard WAR at /switchboard, configured by
${jetty.base}/etc/switchboard/switchboard.yaml (hot-reloaded; admin edits are kept beside it).
Before --add-modules, put switchboard.war in ${jetty.base}/modules/switchboard/.

[tags]
webapp

[depend]
ee10-deploy

[files]
etc/switchboard/
basehome:modules/switchboard/switchboard.war|webapps/switchboard.war
basehome:modules/switchboard/switchboard.xml|webapps/switchboard.xml
basehome:modules/switchboard/switchboard.yaml|etc/switchboard/switchboard.yaml
